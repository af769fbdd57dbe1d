"""HTTP layer of the reporting calendar: deadline rules and completeness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kpi_api.deadlines.schemas import Completeness, DeadlineRuleBody, DeadlineRuleRead
from kpi_api.deadlines.service import DEADLINE_SETTERS, DeadlineService
from kpi_api.deps import Caller, Session
from kpi_api.indicators.rules import Periodicity
from zdrav_shared.auth import FEDERATION_CODE, Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.ownership import DefinitionChange
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["deadlines"], route_class=CommittingRoute)

DeadlineSetter = Annotated[Principal, Depends(role_required(*DEADLINE_SETTERS))]


@router.get(
    "/deadline-rules",
    response_model=list[DeadlineRuleRead],
    operation_id="list_deadline_rules",
    summary="Reporting deadlines per periodicity",
    responses=problem_responses(401, 422),
)
async def list_deadline_rules(
    session: Session,
    caller: Caller,
    region: Annotated[str | None, Query(max_length=64, description="The rules a region's org units report by")] = None,
) -> list[DeadlineRuleRead]:
    """The rule in force for monthly, quarterly and yearly reports: nationally, or for a region's org
    units (the region's own rule where it set one, else the national one), each with its `owner`
    (null: the built-in default). A deadline is judged in the region's own time zone."""
    return await DeadlineService(session).rules(region)


@router.put(
    "/deadline-rules/{periodicity}",
    response_model=list[DeadlineRuleRead],
    operation_id="set_deadline_rule",
    summary="Set the reporting deadline of a periodicity (nationally, or for your region)",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def set_deadline_rule(
    periodicity: Periodicity, body: DeadlineRuleBody, session: Session, caller: DeadlineSetter
) -> list[DeadlineRuleRead]:
    """A deadline rule has an owner: `RU` (the national rule, set by `federal`) or a region (its own
    rule, set by its `regional_admin`, which its org units' values are then judged by). Default owner:
    the caller's own. A rule owned by someone else is a 403 naming the owner (`reason: not_owner`).
    Audited with `reason`. Values already submitted keep their late flag. Answers the rules now in force
    for the owner."""
    service = DeadlineService(session)
    owner = await service.set_rule(caller, periodicity, body)
    return await service.rules(None if owner == FEDERATION_CODE else owner)


@router.delete(
    "/deadline-rules/{periodicity}",
    response_model=list[DeadlineRuleRead],
    operation_id="remove_deadline_rule",
    summary="Remove an owner's deadline rule (back to the national one, or to the default)",
    responses=problem_responses(401, 403, 404, 422),
)
async def remove_deadline_rule(
    periodicity: Periodicity,
    session: Session,
    caller: DeadlineSetter,
    owner: Annotated[str | None, Query(max_length=64, description="RU or a region; default: yours")] = None,
    reason: Annotated[str | None, Query(max_length=1000, description="Kept in the rule's history")] = None,
) -> list[DeadlineRuleRead]:
    """The owner's own rule stops applying: a region's org units follow the national rule again, the
    nation the built-in default. Owner only; audited. 404 when the owner has no rule of its own."""
    service = DeadlineService(session)
    owner = await service.remove_rule(caller, periodicity, owner, reason)
    return await service.rules(None if owner == FEDERATION_CODE else owner)


@router.get(
    "/deadline-rules/{periodicity}/history",
    response_model=list[DefinitionChange],
    operation_id="list_deadline_rule_changes",
    summary="The audited changes of the deadline rules of a periodicity",
    responses=problem_responses(401, 422),
)
async def list_deadline_rule_changes(
    periodicity: Periodicity,
    session: Session,
    caller: Caller,
    owner: Annotated[str | None, Query(max_length=64, description="One owner's rule; default: every owner")] = None,
) -> list[DefinitionChange]:
    """Oldest first: every creation, change and removal of the rule (each owner's, or one owner's) with
    who, when, the rule before and after (with its `owner`) and why. Readable by every signed-in caller."""
    return await DeadlineService(session).history(periodicity, owner)


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
    """Expected = for each manual input indicator whose periodicity is the period's type (federal ones,
    and the region's own), the active org units under the unit at the indicator's reporting level
    (organisations when it has none); received = submitted or approved values of those units (`approved`
    counts the approved ones), split into on time and late (judged at submission against the region's
    deadline in its time zone); `missing` lists the rest."""
    return await DeadlineService(session).completeness(caller, region, period)
