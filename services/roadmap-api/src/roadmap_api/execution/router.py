"""HTTP layer of plan execution (CONTRACT.md: GET /v1/roadmaps/{id}/execution)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from roadmap_api.common import Day
from roadmap_api.deps import Caller, RowId, Session
from roadmap_api.execution.rules import DEFAULT_SOON_DAYS
from roadmap_api.execution.schemas import DeviationList, DueList, ExecutionFigure, RegionExecution, RegionsExecution
from roadmap_api.execution.service import ExecutionService
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import Unprocessable, problem_responses

router = APIRouter(tags=["execution"], route_class=CommittingRoute)

MAX_REGIONS = 200
AsOf = Annotated[Day | None, Query(description="YYYY-MM-DD; default today in the region")]


@router.get(
    "/v1/roadmaps/{roadmap_id}/execution",
    response_model=ExecutionFigure,
    operation_id="get_roadmap_execution",
    summary="Plan execution of a roadmap as of a date",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_roadmap_execution(
    roadmap_id: RowId, session: Session, caller: Caller, as_of: AsOf = None
) -> ExecutionFigure:
    """`due` counts tasks (cancelled ones excluded) with `due_date ≤ as_of`; `execution_pct` = those
    of them completed on or before `as_of` ÷ `due` × 100 (null when nothing is due);
    `completed_late` = completed after their `due_date`; `overdue` = due and not completed;
    `threshold_pct` is 90. A completion after `as_of` was not known then and counts as overdue."""
    return await ExecutionService(session, caller).roadmap(roadmap_id, as_of)


@router.get(
    "/v1/regions/{region_code}/execution",
    response_model=RegionExecution,
    operation_id="get_region_execution",
    summary="Plan execution of every roadmap of a region",
    responses=problem_responses(401, 403, 422),
)
async def get_region_execution(
    region_code: str, session: Session, caller: Caller, as_of: AsOf = None
) -> RegionExecution:
    """The figure of each roadmap and a region total over all their tasks (a ratio of sums), in
    the contract's shape, computed in one GROUP BY."""
    return await ExecutionService(session, caller).region(region_code, as_of)


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
    as_of: AsOf = None,
    regions: Annotated[
        str | None, Query(max_length=4_000, description="Region codes, comma-separated; default every readable one")
    ] = None,
) -> RegionsExecution:
    """What `GET /v1/regions/{code}/execution` answers, for every region at once (kpi-api's federal
    report and its roadmap-sourced indicators pull it in one call): one GROUP BY over all roadmaps.
    Regions without a roadmap are absent; a named region outside the caller's scope is a 403."""
    codes = [c.strip() for c in regions.split(",") if c.strip()] if regions is not None else None
    if codes is not None and len(codes) > MAX_REGIONS:
        raise Unprocessable(f"at most {MAX_REGIONS} regions per request", pointer="/query/regions")
    return await ExecutionService(session, caller).regions(as_of, list(dict.fromkeys(codes)) if codes else None)


@router.get(
    "/v1/roadmaps/{roadmap_id}/deviations",
    response_model=DeviationList,
    operation_id="list_roadmap_deviations",
    summary="Plan vs fact: tasks that moved from the approved baseline",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_roadmap_deviations(
    roadmap_id: RowId, session: Session, caller: Caller, as_of: AsOf = None
) -> DeviationList:
    """Tasks of the approved plan whose due date was moved, that were completed on another day than
    the baseline due date, or that are open past it — with the days of deviation."""
    return await ExecutionService(session, caller).deviations(roadmap_id, as_of)


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
    as_of: AsOf = None,
    within_days: Annotated[int, Query(ge=0, le=366, description="'soon' horizon in days")] = DEFAULT_SOON_DAYS,
    region_code: Annotated[str | None, Query(max_length=64)] = None,
    responsible: Annotated[str | None, Query(max_length=300)] = None,
    org_unit_code: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DueList:
    """Open tasks of the roadmaps in the caller's scope that are overdue as of `as_of` or due within
    `within_days` after it, soonest first, with counts per responsible and per org unit."""
    return await ExecutionService(session, caller).due(
        as_of=as_of,
        within_days=within_days,
        region_code=region_code,
        responsible=responsible,
        org_unit_code=org_unit_code,
        limit=limit,
    )
