"""HTTP layer of the org-unit registry: parse, call the service, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Header, Query, Request, Response, UploadFile, status

from kpi_api.codes import TEXT
from kpi_api.deps import Caller, Session
from kpi_api.org_units.importer import import_org_units
from kpi_api.org_units.schemas import ImportReport, OrgUnitCreate, OrgUnitRead, OrgUnitUpdate
from kpi_api.org_units.service import WRITER_ROLES, OrgUnitService
from kpi_api.population.rules import SettlementType, Subordination
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import FieldError, PayloadTooLarge, Unprocessable, problem_responses

router = APIRouter(prefix="/v1/org-units", tags=["org-units"], route_class=CommittingRoute)

Writer = Annotated[Principal, Depends(role_required(*WRITER_ROLES))]

CodePath = Annotated[str, "org unit code"]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrgUnitRead,
    operation_id="create_org_unit",
    summary="Create an org unit",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_org_unit(body: OrgUnitCreate, session: Session, caller: Writer, response: Response) -> OrgUnitRead:
    """Add a unit under its parent. Level rules: a region sits under the federation, a municipality
    under a region, an organisation under a municipality or a region, a subdivision under an
    organisation. Writers: `federal`, or `regional_admin` inside its scope."""
    created = await OrgUnitService(session).create(caller, body)
    response.headers["ETag"] = etag(created.unit.version)
    response.headers["Location"] = f"/v1/org-units/{created.unit.code}"
    return created.read()


@router.get(
    "",
    response_model=Page[OrgUnitRead],
    operation_id="list_org_units",
    summary="List org units",
    responses=problem_responses(401, 404, 422),
)
async def list_org_units(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    parent_code: Annotated[str | None, Query(max_length=64, description="Only direct children of")] = None,
    level: OrgUnitLevel | None = None,
    under: Annotated[str | None, Query(max_length=64, description="Only the subtree of this code")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Substring of name or code")] = None,
    kind: Annotated[
        str | None, Query(max_length=64, pattern=TEXT, description="adult_polyclinic, hospital, fap…")
    ] = None,
    subordination: Subordination | None = None,
    settlement_type: SettlementType | None = None,
) -> Page[OrgUnitRead]:
    """Org units ordered by code, optionally of one kind, subordination or settlement type. The
    registry is reference data: every signed-in caller may read it."""
    service = OrgUnitService(session)
    under_path = (await service.resolve(under)).unit.path if under else None
    after = str(page.after[0]) if page.after else None
    units = await service.repo.list_units(
        limit=page.limit + 1,
        after_code=after,
        parent_code=parent_code,
        level=level.value if level else None,
        under_path=under_path,
        search=q,
        attributes={
            name: value
            for name, value in (
                ("kind", kind),
                ("subordination", subordination.value if subordination else None),
                ("settlement_type", settlement_type.value if settlement_type else None),
            )
            if value is not None
        },
    )
    reads = await service.read_many(units)
    return make_page(reads, page, lambda u: [u.code])


@router.get(
    "/{code}",
    response_model=OrgUnitRead,
    operation_id="get_org_unit",
    summary="Get an org unit",
    responses=problem_responses(401, 404, 422),
)
async def get_org_unit(code: CodePath, session: Session, caller: Caller, response: Response) -> OrgUnitRead:
    """One unit with its path from the federation, its region and effective time zone."""
    resolved = await OrgUnitService(session).resolve(code)
    response.headers["ETag"] = etag(resolved.unit.version)
    return resolved.read()


@router.patch(
    "/{code}",
    response_model=OrgUnitRead,
    operation_id="update_org_unit",
    summary="Update an org unit",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_org_unit(
    code: CodePath,
    body: OrgUnitUpdate,
    session: Session,
    caller: Writer,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> OrgUnitRead:
    """Change names, kind, time zone, the rural flag or the active flag. A stale `If-Match` is a 409."""
    resolved = await OrgUnitService(session).update(caller, code, body, if_match)
    response.headers["ETag"] = etag(resolved.unit.version)
    return resolved.read()


@router.get(
    "/{code}/subtree",
    response_model=list[OrgUnitRead],
    operation_id="get_org_unit_subtree",
    summary="The unit and everything below it",
    responses=problem_responses(401, 404, 422),
)
async def get_org_unit_subtree(
    code: CodePath,
    session: Session,
    caller: Caller,
    depth: Annotated[int | None, Query(ge=0, le=4, description="Levels below the unit to include")] = None,
) -> list[OrgUnitRead]:
    """Parents come before their children."""
    return await OrgUnitService(session).subtree(code, depth)


@router.get(
    "/{code}/ancestors",
    response_model=list[OrgUnitRead],
    operation_id="get_org_unit_ancestors",
    summary="The unit's ancestors, from the federation down",
    responses=problem_responses(401, 404, 422),
)
async def get_org_unit_ancestors(code: CodePath, session: Session, caller: Caller) -> list[OrgUnitRead]:
    """From the root to the unit's parent."""
    return await OrgUnitService(session).ancestors(code)


@router.post(
    "/import",
    response_model=ImportReport,
    operation_id="import_org_units",
    summary="Import org units from CSV (all rows or none)",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def import_org_units_csv(
    request: Request,
    session: Session,
    caller: Writer,
    response: Response,
    file: Annotated[
        UploadFile,
        File(description="CSV: code,name_ru,level,parent_code[,name_en,kind,timezone,rural,subordination,…]"),
    ],
    dry_run: Annotated[bool, Query(description="Check only; apply nothing")] = False,
) -> ImportReport:
    """Columns `code, name_ru, level, parent_code`, optional `name_en, kind, timezone, rural, subordination,
    settlement_type`; UTF-8 with or
    without BOM, `;` or `,`. A parent may be in the registry or in an earlier row. Any bad row → nothing is
    applied and the answer (422) lists every bad row."""
    limit: int = request.app.state.settings.max_import_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"the file exceeds {limit} bytes")
    report = await import_org_units(session, caller, content, dry_run)
    if report.errors:
        raise Unprocessable(
            f"{len(report.errors)} row(s) have errors; nothing was applied",
            errors=[FieldError(pointer=f"/rows/{e.row}{e.pointer}", message=e.message) for e in report.errors],
            report=report.model_dump(),
        )
    return report
