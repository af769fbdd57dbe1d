"""roadmap-api: roadmaps, tasks, execution, strategic sessions, improvement projects, programme plans."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from roadmap_api.audit.router import router as audit_router
from roadmap_api.best_practices.router import proposals_router
from roadmap_api.best_practices.router import router as best_practices_router
from roadmap_api.catalogue_seed import ensure_seeded
from roadmap_api.escalations.router import router as escalations_router
from roadmap_api.execution.router import router as execution_router
from roadmap_api.followups.router import router as followups_router
from roadmap_api.improvements.router import router as improvements_router
from roadmap_api.improvements.workflow_router import criteria_router
from roadmap_api.improvements.workflow_router import router as improvement_workflow_router
from roadmap_api.life_situations.router import assessments_router, kpi_baseline_router
from roadmap_api.life_situations.router import router as life_situations_router
from roadmap_api.models import WEBHOOKS
from roadmap_api.programmes.progress_router import router as programme_progress_router
from roadmap_api.programmes.router import router as programmes_router
from roadmap_api.regional_centres.router import deliver_notices
from roadmap_api.regional_centres.router import router as regional_centres_router
from roadmap_api.roadmaps.router import router as roadmaps_router
from roadmap_api.sessions.flows_router import kpi_router as session_kpi_router
from roadmap_api.sessions.flows_router import router as session_flows_router
from roadmap_api.sessions.router import router as sessions_router
from roadmap_api.settings import RoadmapSettings
from roadmap_api.tasks.router import router as tasks_router
from roadmap_api.versions.router import router as versions_router
from roadmap_api.webhooks.events import EVENTS
from roadmap_api.webhooks.overdue import sweep_overdue
from zdrav_shared.app import Startup, build_app
from zdrav_shared.clients.kpi import KpiClient
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.http_client import ServiceClient
from zdrav_shared.logging import get_logger
from zdrav_shared.webhooks.router import webhooks_router
from zdrav_shared.webhooks.wiring import with_webhooks

log = get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
VERSION = "0.1.0"
PROGRAMME_BODY_BYTES = 2 * 1024 * 1024

TAGS = [
    {"name": "webhooks", "description": "Signed webhooks: task.overdue, roadmap.approved, roadmap.revised"},
    {
        "name": "roadmaps",
        "description": "Roadmaps of a region and life situation: KPIs, measures, approval, revisions, journal",
    },
    {"name": "tasks", "description": "The task tree activity → task → subtask, comments and journal"},
    {"name": "execution", "description": "Plan execution, due lists and plan-vs-fact deviations"},
    {"name": "improvement-projects", "description": "Lean improvement projects with before/after effects"},
    {"name": "strategic-sessions", "description": "Strategic sessions: groups, projects, voting, selection"},
    {"name": "programmes", "description": "Regional programme plans (goal → task → activity) with financing"},
    {"name": "best-practices", "description": "The best-practice catalogue and the proposals for the federal roadmap"},
    {"name": "life-situations", "description": "Life situations, their institutions and self-assessments"},
    {"name": "regional-centres", "description": "The regional primary-care centre registry and its staffing rules"},
    {"name": "escalations", "description": "Problem threads raised to the ministry and the federal centre"},
    {
        "name": "followups",
        "description": "Detractors with a comment turned into work (webhook or service call), and the share "
        "followed up within 48 h",
    },
    {"name": "audit", "description": "Who changed what, when, and why"},
]


def _peers(settings: RoadmapSettings) -> Startup:
    @asynccontextmanager
    async def startup(app: FastAPI) -> AsyncIterator[None]:
        def kpi_api(timeout_s: float) -> ServiceClient:
            return ServiceClient(
                app.state.http,
                "kpi-api",
                settings.kpi_url,
                token=app.state.service_token,
                metrics=app.state.client_metrics,
                timeout_s=timeout_s,
                retries=settings.http_retries,
            )

        app.state.org_units = OrgUnitClient(kpi_api(settings.http_timeout_s))
        # Current KPI values only decorate a roadmap: a short budget and no retries keep reads fast
        # when kpi-api is down.
        app.state.kpi = KpiClient(kpi_api(min(settings.http_timeout_s, 2.0)), timeout_s=2.0)
        # Change notices are writes kept in an outbox: a normal budget, retried by the outbox.
        app.state.kpi_reports = KpiClient(kpi_api(settings.http_timeout_s), timeout_s=settings.http_timeout_s)
        await ensure_seeded(app.state.db)
        retry = (
            asyncio.create_task(_retry_notices(app, settings.notice_retry_interval_s))
            if settings.notice_retry_interval_s > 0
            else None
        )
        try:
            yield
        finally:
            if retry is not None:
                retry.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await retry

    return startup


async def _retry_notices(app: FastAPI, interval_s: float) -> None:
    """Send pending regional-centre change notices every ``interval_s`` (never raises)."""
    while True:
        await asyncio.sleep(interval_s)
        sent = await deliver_notices(app)
        if sent:
            log.info("centre_notices_retried", attempts=len(sent), sent=sum(1 for d in sent if d.status == "sent"))


def create_app(settings: RoadmapSettings | None = None) -> FastAPI:
    """Build the roadmap-api application; all resources are created in its lifespan."""
    settings = settings or RoadmapSettings()
    return build_app(
        settings,
        title="Zdrav roadmap-api",
        description=(
            "Roadmaps with measures and tasks, plan execution, strategic sessions "
            "with self-service voting, lean improvement projects, programme plans with financing, "
            "life situations with self-assessments, the regional-centre registry and escalations."
        ),
        version=VERSION,
        routers=[
            roadmaps_router,
            versions_router,
            tasks_router,
            execution_router,
            programmes_router,
            programme_progress_router,
            improvements_router,
            improvement_workflow_router,
            criteria_router,
            # Before the session routes: "/kpis" must not be read as a session id.
            session_kpi_router,
            sessions_router,
            session_flows_router,
            best_practices_router,
            proposals_router,
            life_situations_router,
            assessments_router,
            kpi_baseline_router,
            regional_centres_router,
            escalations_router,
            followups_router,
            audit_router,
            webhooks_router(WEBHOOKS, EVENTS),
        ],
        migrations_dir=MIGRATIONS_DIR,
        startup=with_webhooks(WEBHOOKS, settings, _peers(settings), sweep=sweep_overdue),
        openapi_tags=TAGS,
        # A programme's plan and financing tables are sent whole.
        body_limits={"/v1/programmes": PROGRAMME_BODY_BYTES},
    )
