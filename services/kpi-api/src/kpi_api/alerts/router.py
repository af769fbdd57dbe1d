"""HTTP layer of programme alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kpi_api.alerts.schemas import AlertsAnswer
from kpi_api.alerts.service import AlertService
from kpi_api.deps import Caller, Clock, ReadSession
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/alerts", tags=["alerts"], route_class=CommittingRoute)


@router.get(
    "",
    response_model=AlertsAnswer,
    operation_id="list_alerts",
    summary="Control indicators that miss their annual target",
    responses=problem_responses(401, 403, 422),
)
async def list_alerts(
    session: ReadSession,
    caller: Caller,
    clock: Clock,
    region: Annotated[str, Query(min_length=1, max_length=64)],
    year: Annotated[int, Query(ge=1900, le=2999)],
) -> AlertsAnswer:
    """Each `control` indicator whose annual figure for the region (submitted and approved values, as in
    analytics) misses its annual target or range raises an alert: the programme is under review. Only a
    region inside the caller's scope (others 403); not a region: 422."""
    return await AlertService(session, clock).for_region(caller, region, year)
