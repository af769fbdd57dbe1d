"""HTTP layer of report types (CONTRACT.md: POST /v1/report-types)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from kpi_api.codes import CODE
from kpi_api.deps import Caller, Session
from kpi_api.report_types.schemas import ReportTypeCreate, ReportTypeRead, ReportTypeUpdate
from kpi_api.report_types.service import ReportTypeService, read
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.ownership import DefinitionChange
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/report-types", tags=["reporting"], route_class=CommittingRoute)

Code = Annotated[str, Path(max_length=64, pattern=CODE, description="Report type code, e.g. federal_monthly")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportTypeRead,
    operation_id="create_report_type",
    summary="Define a reporting obligation",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_report_type(
    body: ReportTypeCreate, session: Session, caller: Caller, response: Response
) -> ReportTypeRead:
    """A report and when it is due: `day_of_next_period` (`day`, `months_after`) for period reports with
    `periodicity`, `working_days_after_event` (`days`) or `months_after_event` (`months`) for reports owed
    after an event; `roll_forward` moves a due day on a day off to the next working day (the Russian
    production calendar of that year). `owner` defaults to the caller's own (federal → `RU`, a
    regional_admin → its region); `expected_level` (default `region`) says which org units owe it."""
    row = await ReportTypeService(session).create(caller, body)
    response.headers["ETag"] = etag(row.version)
    response.headers["Location"] = f"/v1/report-types/{row.code}"
    return read(row)


@router.get(
    "",
    response_model=list[ReportTypeRead],
    operation_id="list_report_types",
    summary="Reporting obligations",
    responses=problem_responses(401, 422),
)
async def list_report_types(
    session: Session,
    caller: Caller,
    include_inactive: Annotated[bool, Query(description="Also the deactivated ones")] = False,
) -> list[ReportTypeRead]:
    """Every report type by code: the federal centre's (always present, owner `RU`) and the regions' own."""
    return [read(r) for r in await ReportTypeService(session).repo.list_all(include_inactive)]


@router.get(
    "/{code}",
    response_model=ReportTypeRead,
    operation_id="get_report_type",
    summary="One reporting obligation",
    responses=problem_responses(401, 404, 422),
)
async def get_report_type(code: Code, session: Session, caller: Caller, response: Response) -> ReportTypeRead:
    """The report type with its due rule in words (`due.description_ru`)."""
    row = await ReportTypeService(session).get(code)
    response.headers["ETag"] = etag(row.version)
    return read(row)


@router.patch(
    "/{code}",
    response_model=ReportTypeRead,
    operation_id="update_report_type",
    summary="Change a reporting obligation (its owner only)",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_report_type(
    code: Code,
    body: ReportTypeUpdate,
    session: Session,
    caller: Caller,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> ReportTypeRead:
    """Only the owner changes it (federal for `RU`-owned types; others 403 `reason: not_owner`). A new due
    rule applies to obligations recorded from now on; recorded ones keep their due date. Once there are
    submissions the periodicity and the kind of rule (period or event) are fixed (409). Audited."""
    row = await ReportTypeService(session).update(caller, code, body, if_match)
    response.headers["ETag"] = etag(row.version)
    return read(row)


@router.get(
    "/{code}/history",
    response_model=list[DefinitionChange],
    operation_id="list_report_type_changes",
    summary="Who changed a reporting obligation, when, and why",
    responses=problem_responses(401, 404, 422),
)
async def list_report_type_changes(code: Code, session: Session, caller: Caller) -> list[DefinitionChange]:
    """Oldest first; the seeded federal types have no creation entry (they came with the migration)."""
    return await ReportTypeService(session).history(code)
