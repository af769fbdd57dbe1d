"""HTTP layer of the indicator catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from kpi_api.deps import Caller, Session
from kpi_api.indicators.rules import IndicatorKind, Periodicity, Source
from kpi_api.indicators.schemas import IndicatorApprove, IndicatorCreate, IndicatorRead, IndicatorUpdate
from kpi_api.indicators.service import CATALOGUE_WRITERS, IndicatorService
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.ownership import DefinitionChange
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/indicators", tags=["indicators"], route_class=CommittingRoute)

CatalogueWriter = Annotated[Principal, Depends(role_required(*CATALOGUE_WRITERS))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IndicatorRead,
    operation_id="create_indicator",
    summary="Add an indicator to the catalogue",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_indicator(
    body: IndicatorCreate, session: Session, caller: CatalogueWriter, response: Response
) -> IndicatorRead:
    """An `input` indicator (values are entered) or a `formula` over other indicators' codes. A formula
    that does not parse, names an unknown code or closes a cycle is a 422 with pointer `/formula` (a
    cycle is named: `A → B → A`). `aggregation: ratio` makes an entered share or rate: values carry
    `numerator` and `denominator` and roll up as Σ numerator ÷ Σ denominator × `scale`. `reporting_level`
    fixes the org-unit level values are entered at. `owner` (default: the caller's own — `RU` for
    `federal`, its region for a `regional_admin`) is who may change the definition later; naming an
    owner the caller is not is a 403. The creation is the first entry of the indicator's history."""
    service = IndicatorService(session)
    indicator = await service.create(caller, body)
    response.headers["ETag"] = etag(indicator.version)
    response.headers["Location"] = f"/v1/indicators/{indicator.code}"
    return await service.read(indicator)


@router.get(
    "",
    response_model=Page[IndicatorRead],
    operation_id="list_indicators",
    summary="List the indicator catalogue",
    responses=problem_responses(401, 422),
)
async def list_indicators(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    kind: IndicatorKind | None = None,
    source: Source | None = None,
    periodicity: Periodicity | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Substring of name or code")] = None,
    owner: Annotated[str | None, Query(max_length=64, description="Only the definitions of this owner")] = None,
) -> Page[IndicatorRead]:
    """Ordered by code. The catalogue is reference data: every signed-in caller may read it."""
    service = IndicatorService(session)
    after = str(page.after[0]) if page.after else None
    rows = await service.repo.list_indicators(
        limit=page.limit + 1,
        after_code=after,
        kind=kind.value if kind else None,
        source=source.value if source else None,
        periodicity=periodicity.value if periodicity else None,
        search=q,
        owner=owner,
    )
    return make_page(await service.read_many(rows), page, lambda i: [i.code])


@router.get(
    "/{code}",
    response_model=IndicatorRead,
    operation_id="get_indicator",
    summary="Get an indicator with its formula history",
    responses=problem_responses(401, 404, 422),
)
async def get_indicator(code: str, session: Session, caller: Caller, response: Response) -> IndicatorRead:
    """One indicator; `formula_versions` lists every formula it had and the date each applies from."""
    service = IndicatorService(session)
    indicator = await service.get(code)
    response.headers["ETag"] = etag(indicator.version)
    return await service.read(indicator)


@router.patch(
    "/{code}",
    response_model=IndicatorRead,
    operation_id="update_indicator",
    summary="Change an indicator",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_indicator(
    code: str,
    body: IndicatorUpdate,
    session: Session,
    caller: CatalogueWriter,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> IndicatorRead:
    """Names, unit, direction, precision, thresholds, bounds, aggregations, reporting level, `active`
    (switching it off stops new values), or a new formula with the date it applies from (earlier periods
    keep their formula). Only the owner's admins change a definition: anyone else gets a 403 naming the
    owner (`reason: not_owner`). A formula starting in a period where an input has an approved value is
    a 409 (`reason: approved_history`, `first_approved_period`). A stale `If-Match` is a 409. A `core`
    monitoring indicator's definition (formula, unit, direction, aggregations, scale, level, bounds, share
    form, monitoring level) is fixed: changing it is a 409 (`reason: core_fixed`, with a pointer); an
    approved `supplementary_mandatory` one likewise (`reason: approved_fixed`). Every change is audited
    with its `reason`."""
    service = IndicatorService(session)
    indicator = await service.update(caller, code, body, if_match)
    response.headers["ETag"] = etag(indicator.version)
    return await service.read(indicator)


@router.post(
    "/{code}/approval",
    response_model=IndicatorRead,
    operation_id="approve_indicator",
    summary="Approve an indicator's definition",
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def approve_indicator(
    code: str, body: IndicatorApprove, session: Session, caller: CatalogueWriter, response: Response
) -> IndicatorRead:
    """Record that the definition is approved (once; a second call changes nothing). A
    `supplementary_mandatory` indicator's definition is fixed from then on. Only the owner's admins
    approve (403 `not_owner` otherwise). Audited in the definition's history."""
    service = IndicatorService(session)
    indicator = await service.approve(caller, code, body.reason)
    response.headers["ETag"] = etag(indicator.version)
    return await service.read(indicator)


@router.get(
    "/{code}/history",
    response_model=list[DefinitionChange],
    operation_id="list_indicator_changes",
    summary="The audited changes of an indicator's definition",
    responses=problem_responses(401, 404, 422),
)
async def list_indicator_changes(code: str, session: Session, caller: Caller) -> list[DefinitionChange]:
    """Oldest first: its creation, every change (with the definition before and after), formula
    changes with their `formula_effective_from`, and each switch off (`deactivated`) or on — who, when
    and why. The catalogue is reference data: every signed-in caller may read it."""
    return await IndicatorService(session).history(code)
