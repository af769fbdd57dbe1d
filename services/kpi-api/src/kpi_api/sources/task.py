"""The peers' clients and the periodic refresh of pulled values, owned by kpi-api's lifespan.

Every replica refreshes on its own: a refresh overwrites the same rows with the same figures, so
running it twice costs a little load and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kpi_api.settings import KpiSettings
from kpi_api.sources.service import Peers, refresh_all
from zdrav_shared.app import Startup
from zdrav_shared.clients.roadmap import RoadmapClient
from zdrav_shared.clients.survey import SurveyClient
from zdrav_shared.http_client import ServiceClient
from zdrav_shared.logging import get_logger, request_id_var
from zdrav_shared.orm import utcnow

log = get_logger(__name__)


def peers_and_refresh(settings: KpiSettings) -> Startup:
    """Build survey-api's and roadmap-api's clients (``app.state.peers``) and start the periodic
    refresh when ``KPI_SOURCE_REFRESH_INTERVAL_S`` > 0."""

    @asynccontextmanager
    async def startup(app: FastAPI) -> AsyncIterator[None]:
        def client(target: str, url: str) -> ServiceClient:
            return ServiceClient(
                app.state.http,
                target,
                url,
                token=app.state.service_token,
                metrics=app.state.client_metrics,
                timeout_s=settings.http_timeout_s,
                retries=settings.http_retries,
            )

        app.state.peers = Peers(
            survey=SurveyClient(client("survey-api", settings.survey_url)),
            roadmap=RoadmapClient(client("roadmap-api", settings.roadmap_url)),
            timeout_s=settings.source_refresh_timeout_s,
        )
        task = None
        if settings.source_refresh_interval_s > 0:
            task = asyncio.create_task(_refresh_forever(app, settings), name="source-refresh")
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return startup


async def _refresh_forever(app: FastAPI, settings: KpiSettings) -> None:
    await asyncio.sleep(settings.source_refresh_initial_delay_s)
    while True:
        token = request_id_var.set(f"source-refresh-{uuid.uuid4().hex[:12]}")
        try:
            results = await refresh_all(app.state.db, app.state.peers, utcnow)
            log.info("source_refresh_round_done", periods=",".join(r.period for r in results))
        except Exception as exc:  # a failed round must not end the task: the next one retries
            log.warning("source_refresh_round_failed", error=f"{type(exc).__name__}: {exc}"[:300])
        finally:
            request_id_var.reset(token)
        await asyncio.sleep(settings.source_refresh_interval_s)
