"""HTTP layer of pulled values: refresh on demand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from kpi_api.deps import Clock, Session
from kpi_api.sources.schemas import RefreshResult
from kpi_api.sources.service import REFRESHERS, SourceRefresher
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/sources", tags=["sources"], route_class=CommittingRoute)

Refresher = Annotated[Principal, Depends(role_required(*REFRESHERS))]


@router.post(
    "/refresh",
    response_model=RefreshResult,
    operation_id="refresh_sources",
    summary="Pull survey and roadmap values now",
    responses=problem_responses(401, 403, 422),
)
async def refresh_sources(
    request: Request,
    session: Session,
    caller: Refresher,
    clock: Clock,
    period: Annotated[str, Query(max_length=10, examples=["2025Q2"], description="2025, 2025Q2 or 2025-04")],
    region: Annotated[str | None, Query(max_length=64, description="A region; absent: every org unit")] = None,
) -> RefreshResult:
    """Pull the values of the indicators with `source_metric` (survey: `satisfaction_share`, `nps`
    over `source_campaign`, or without one over the national questionnaire `nsi-standard`'s responses
    only, `dont_know` kept beside the share; roadmap: `execution_pct`) for the period, for every org
    unit of the region (or of the federation), and cache them with their `data_as_of`; analytics and
    the quarterly report show the cached values. The same refresh runs every
    `KPI_SOURCE_REFRESH_INTERVAL_S`. A peer that does not answer is listed in `unavailable` and its
    earlier values are kept. `federal` for everything; `regional_admin` for a region in scope."""
    return await SourceRefresher(session, request.app.state.peers, clock).refresh(caller, period, region)
