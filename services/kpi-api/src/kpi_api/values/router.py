"""HTTP layer of reported values and their approval workflow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response

from kpi_api.audit.schemas import AuditEventRead
from kpi_api.deps import Caller, Clock, Session
from kpi_api.indicators.service import IndicatorService
from kpi_api.models import OrgUnit
from kpi_api.org_units.service import OrgUnitService
from kpi_api.scope import scope_of
from kpi_api.values.repository import ValueRepository
from kpi_api.values.schemas import ReopenBody, ValueRead, ValuesPost, ValuesResult, ValueStatus, WorkflowBody
from kpi_api.values.service import VALUE_WRITERS, ValueWriter
from kpi_api.values.workflow import APPROVERS, ValueWorkflow, value_read
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.periods import InvalidPeriod, Period
from zdrav_shared.problems import Unprocessable, problem_responses

router = APIRouter(prefix="/v1/values", tags=["values"], route_class=CommittingRoute)

Approver = Annotated[Principal, Depends(role_required(*APPROVERS))]

ValueWriterCaller = Annotated[Principal, Depends(role_required(*VALUE_WRITERS))]

IfMatch = Annotated[str | None, Header(alias="If-Match")]
# Ids are 32-bit INTEGER columns: a larger number is a 422, not an overflow (500) in the driver.
ValueId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _after_id(page: PageParams) -> int | None:
    if not page.after:
        return None
    if not isinstance(page.after[0], int) or isinstance(page.after[0], bool):
        raise Unprocessable("the cursor is not valid; start again without it", pointer="/query/cursor")
    return page.after[0]


def parse_period_param(text: str, name: str) -> str:
    try:
        return Period.parse(text).code
    except InvalidPeriod as exc:
        raise Unprocessable(str(exc), pointer=f"/query/{name}") from exc


@router.post(
    "",
    response_model=ValuesResult,
    operation_id="submit_values",
    summary="Enter values in bulk (each item accepted or rejected on its own)",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def submit_values(body: ValuesPost, session: Session, caller: ValueWriterCaller, clock: Clock) -> ValuesResult:
    """Create or update values of input indicators. Every item gets a result: `created`, `updated` or
    `rejected` with a problem (type, title, status, detail, errors with pointers such as
    `/items/3/period`). Valid items are stored even when others are rejected. A rejected item's status
    says why: 422 (unknown code, period type not matching the periodicity, off track without a comment),
    403 (org unit outside the caller's scope), 409 (approved and locked, or stale `version`).
    Outliers are stored and flagged, not rejected. With `submit: true` the values are submitted at once
    and marked late when past the deadline in the region's time zone."""
    return await ValueWriter(session, clock).write(caller, body)


@router.get(
    "",
    response_model=Page[ValueRead],
    operation_id="list_values",
    summary="List values inside the caller's scope",
    responses=problem_responses(401, 404, 422),
)
async def list_values(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    indicator: Annotated[str | None, Query(max_length=64)] = None,
    org_unit: Annotated[str | None, Query(max_length=64, description="The unit and its subtree")] = None,
    period: Annotated[str | None, Query(max_length=7, examples=["2025Q2"])] = None,
    status: ValueStatus | None = None,
) -> Page[ValueRead]:
    """Ordered by id; only values of org units inside the caller's scope."""
    scope = await scope_of(session, caller)
    indicator_id = (await IndicatorService(session).get(indicator)).id if indicator else None
    under = (await OrgUnitService(session).resolve(org_unit)).unit.path if org_unit else None
    rows = await ValueRepository(session).list_values(
        scope=scope.clause(OrgUnit.path),
        limit=page.limit + 1,
        after_id=_after_id(page),
        indicator_id=indicator_id,
        under_path=under,
        period=parse_period_param(period, "period") if period else None,
        status=status.value if status else None,
    )
    return make_page([value_read(*row) for row in rows], page, lambda v: [v.id])


@router.get(
    "/{value_id}",
    response_model=ValueRead,
    operation_id="get_value",
    summary="Get a value",
    responses=problem_responses(401, 404, 422),
)
async def get_value(value_id: ValueId, session: Session, caller: Caller, clock: Clock, response: Response) -> ValueRead:
    """A value inside the caller's scope (others answer 404); the ETag carries its version."""
    value = await ValueWorkflow(session, clock).read(caller, value_id)
    response.headers["ETag"] = etag(value.version)
    return value


@router.get(
    "/{value_id}/history",
    response_model=list[AuditEventRead],
    operation_id="list_value_changes",
    summary="The audit trail of a value",
    responses=problem_responses(401, 404, 422),
)
async def list_value_changes(value_id: ValueId, session: Session, caller: Caller, clock: Clock) -> list[AuditEventRead]:
    """Append-only: every change and workflow step with who, when, before, after and reason."""
    return await ValueWorkflow(session, clock).history(caller, value_id)


@router.post(
    "/{value_id}/submit",
    response_model=ValueRead,
    operation_id="submit_value",
    summary="Submit a draft value for approval",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def submit_value(
    value_id: ValueId,
    session: Session,
    caller: ValueWriterCaller,
    clock: Clock,
    response: Response,
    if_match: IfMatch = None,
    body: WorkflowBody | None = None,
) -> ValueRead:
    """draft → submitted; marked late when past the deadline in the region's time zone."""
    value = await ValueWorkflow(session, clock).submit(caller, value_id, if_match, body.comment if body else None)
    response.headers["ETag"] = etag(value.version)
    return value


@router.post(
    "/{value_id}/approve",
    response_model=ValueRead,
    operation_id="approve_value",
    summary="Approve a submitted value (locks it)",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def approve_value(
    value_id: ValueId,
    session: Session,
    caller: Approver,
    clock: Clock,
    response: Response,
    if_match: IfMatch = None,
    body: WorkflowBody | None = None,
) -> ValueRead:
    """submitted → approved. Approvers: `regional_admin`, `federal` within scope."""
    value = await ValueWorkflow(session, clock).approve(caller, value_id, if_match, body.comment if body else None)
    response.headers["ETag"] = etag(value.version)
    return value


@router.post(
    "/{value_id}/reopen",
    response_model=ValueRead,
    operation_id="reopen_value",
    summary="Reopen an approved value (with a reason)",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def reopen_value(
    value_id: ValueId,
    body: ReopenBody,
    session: Session,
    caller: Approver,
    clock: Clock,
    response: Response,
    if_match: IfMatch = None,
) -> ValueRead:
    """approved → draft, so it can be corrected. Needs `regional_admin` (or `federal`) and a reason."""
    value = await ValueWorkflow(session, clock).reopen(caller, value_id, if_match, body.reason)
    response.headers["ETag"] = etag(value.version)
    return value
