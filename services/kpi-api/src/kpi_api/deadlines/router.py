"""HTTP layer of the reporting calendar: deadline rules and completeness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kpi_api.deadlines.schemas import Completeness, DeadlineRuleBody, DeadlineRuleRead
from kpi_api.deadlines.service import DEADLINE_SETTERS, DeadlineService
from kpi_api.deps import Caller, Session
from kpi_api.indicators.rules import Periodicity
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["deadlines"], route_class=CommittingRoute)

DeadlineSetter = Annotated[Principal, Depends(role_required(*DEADLINE_SETTERS))]


@router.get(
    "/deadline-rules",
    response_model=list[DeadlineRuleRead],
    operation_id="list_deadline_rules",
    summary="Reporting deadlines per periodicity",
    responses=problem_responses(401),
)
async def list_deadline_rules(session: Session, caller: Caller) -> list[DeadlineRuleRead]:
    """The rule in force for monthly, quarterly and yearly reports (defaults unless overridden). A
    deadline is judged in the region's own time zone."""
    return await DeadlineService(session).rules()


@router.put(
    "/deadline-rules/{periodicity}",
    response_model=list[DeadlineRuleRead],
    operation_id="set_deadline_rule",
    summary="Change the reporting deadline of a periodicity",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def set_deadline_rule(
    periodicity: Periodicity, body: DeadlineRuleBody, session: Session, caller: DeadlineSetter
) -> list[DeadlineRuleRead]:
    """Deadlines are national: `federal` only. Values already submitted keep their late flag."""
    service = DeadlineService(session)
    await service.set_rule(caller, periodicity, body)
    return await service.rules()


@router.get(
    "/completeness",
    response_model=Completeness,
    operation_id="get_completeness",
    summary="Completeness and timeliness of a region's reports for a period",
    responses=problem_responses(401, 403, 422),
)
async def get_completeness(
    session: Session,
    caller: Caller,
    region: Annotated[str, Query(max_length=64, description="Region (or any org unit) code")],
    period: Annotated[str, Query(max_length=7, examples=["2025Q2"])],
) -> Completeness:
    """Expected = active organisations under the unit × manual input indicators whose periodicity is the
    period's type; received = submitted or approved values, split into on time and late (judged at
    submission against the deadline in the region's time zone); `missing` lists the rest."""
    return await DeadlineService(session).completeness(caller, region, period)
