"""HTTP layer of plan execution (CONTRACT.md: GET /v1/roadmaps/{id}/execution)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from roadmap_api.common import Day
from roadmap_api.deps import Caller, Clock, RowId, Session
from roadmap_api.execution.rules import DEFAULT_SOON_DAYS
from roadmap_api.execution.schemas import (
    DeviationList,
    DueList,
    RegionExecution,
    RegionsExecution,
    RoadmapExecutionFigure,
)
from roadmap_api.execution.service import ExecutionService
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import Unprocessable, problem_responses

router = APIRouter(tags=["execution"], route_class=CommittingRoute)

MAX_REGIONS = 200
AsOf = Annotated[Day | None, Query(description="YYYY-MM-DD; default today in the region")]


@router.get(
    "/v1/roadmaps/{roadmap_id}/execution",
    response_model=RoadmapExecutionFigure,
    operation_id="get_roadmap_execution",
    summary="Plan execution of a roadmap as of a date",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_roadmap_execution(
    roadmap_id: RowId, session: Session, caller: Caller, clock: Clock, as_of: AsOf = None
) -> RoadmapExecutionFigure:
    """Measured against the approved version in force on `as_of` (`plan_version`; the first approved
    one for a date before it), over the leaf tasks (a task with subtasks is measured through them)
    and each quarter or year of an ongoing or yearly task.

    `due` counts those units with their *approved* `due_date ≤ as_of` — moving a due date later does
    not take an overdue task out of `due`; `execution_pct` = those of them completed on or before
    `as_of` ÷ `due` × 100 (null when nothing is due); `completed_late` = completed after their
    approved `due_date`; `overdue` = due and not completed, including `cancelled_after_approval`
    (a task cancelled after approval stays due, not completed, until a revision is approved without
    it); `threshold_pct` is 90. A completion after `as_of` was not known then and counts as overdue.
    A task added after approval counts once a revision with it is approved. A roadmap never approved
    is measured on its working plan (cancelled tasks left out, `plan_version` null)."""
    return await ExecutionService(session, caller, clock).roadmap(roadmap_id, as_of)


@router.get(
    "/v1/regions/{region_code}/execution",
    response_model=RegionExecution,
    operation_id="get_region_execution",
    summary="Plan execution of every roadmap of a region",
    responses=problem_responses(401, 403, 422),
)
async def get_region_execution(
    region_code: str, session: Session, caller: Caller, clock: Clock, as_of: AsOf = None
) -> RegionExecution:
    """The figure of each approved roadmap (each against its version in force on `as_of`) and a
    region total over all their units (a ratio of sums), in the contract's shape, computed in one
    GROUP BY. Draft roadmaps are not in a region's figures."""
    return await ExecutionService(session, caller, clock).region(region_code, as_of)


@router.get(
    "/v1/execution/regions",
    response_model=RegionsExecution,
    operation_id="list_regions_execution",
    summary="Plan execution of every region's roadmaps in one call",
    responses=problem_responses(401, 403, 422),
)
async def list_regions_execution(
    session: Session,
    caller: Caller,
    clock: Clock,
    as_of: AsOf = None,
    regions: Annotated[
        str | None, Query(max_length=4_000, description="Region codes, comma-separated; default every readable one")
    ] = None,
) -> RegionsExecution:
    """What `GET /v1/regions/{code}/execution` answers, for every region at once (kpi-api's federal
    report and its roadmap-sourced indicators pull it in one call): one GROUP BY over the plans of
    all approved roadmaps. Regions without an approved roadmap are absent; a named region outside the
    caller's scope is a 403."""
    codes = [c.strip() for c in regions.split(",") if c.strip()] if regions is not None else None
    if codes is not None and len(codes) > MAX_REGIONS:
        raise Unprocessable(f"at most {MAX_REGIONS} regions per request", pointer="/query/regions")
    wanted = list(dict.fromkeys(codes)) if codes else None
    return await ExecutionService(session, caller, clock).regions(as_of, wanted)


@router.get(
    "/v1/roadmaps/{roadmap_id}/deviations",
    response_model=DeviationList,
    operation_id="list_roadmap_deviations",
    summary="Plan vs fact: tasks that moved from the approved baseline",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_roadmap_deviations(
    roadmap_id: RowId, session: Session, caller: Caller, clock: Clock, as_of: AsOf = None
) -> DeviationList:
    """Tasks of the approved version in force on `as_of` whose due date was moved, that were
    completed on another day than the approved due date, or that are open past it — with the days
    of deviation. Empty for a roadmap never approved."""
    return await ExecutionService(session, caller, clock).deviations(roadmap_id, as_of)


@router.get(
    "/v1/due-tasks",
    response_model=DueList,
    operation_id="list_due_tasks",
    summary="Overdue and soon-due tasks, per responsible and per org unit",
    responses=problem_responses(401, 422),
)
async def list_due_tasks(
    session: Session,
    caller: Caller,
    clock: Clock,
    as_of: AsOf = None,
    within_days: Annotated[int, Query(ge=0, le=366, description="'soon' horizon in days")] = DEFAULT_SOON_DAYS,
    region_code: Annotated[str | None, Query(max_length=64)] = None,
    responsible: Annotated[str | None, Query(max_length=300)] = None,
    org_unit_code: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DueList:
    """Open tasks of the roadmaps in the caller's scope — and, for an org unit's operator, the tasks
    its organisations carry out — that are overdue as of `as_of` or due within `within_days` after
    it (by their current due dates: a work list), soonest first, with counts per responsible and per
    org unit."""
    return await ExecutionService(session, caller, clock).due(
        as_of=as_of,
        within_days=within_days,
        region_code=region_code,
        responsible=responsible,
        org_unit_code=org_unit_code,
        limit=limit,
    )
