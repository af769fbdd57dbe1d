"""roadmap-api: roadmaps, tasks, execution, strategic sessions, improvement projects, programme plans."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from roadmap_api.execution.router import router as execution_router
from roadmap_api.improvements.router import router as improvements_router
from roadmap_api.programmes.router import router as programmes_router
from roadmap_api.roadmaps.router import router as roadmaps_router
from roadmap_api.sessions.router import router as sessions_router
from roadmap_api.settings import RoadmapSettings
from roadmap_api.tasks.router import router as tasks_router
from roadmap_api.versions.router import router as versions_router
from zdrav_shared.app import Startup, build_app
from zdrav_shared.clients.kpi import KpiClient
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.http_client import ServiceClient

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
VERSION = "0.1.0"
PROGRAMME_BODY_BYTES = 2 * 1024 * 1024

TAGS = [
    {
        "name": "roadmaps",
        "description": "Roadmaps of a region and life situation: KPIs, measures, approval, revisions, journal",
    },
    {"name": "tasks", "description": "The task tree activity → task → subtask, comments and journal"},
    {"name": "execution", "description": "Plan execution, due lists and plan-vs-fact deviations"},
    {"name": "improvement-projects", "description": "Lean improvement projects with before/after effects"},
    {"name": "strategic-sessions", "description": "Strategic sessions: groups, projects, voting, selection"},
    {"name": "programmes", "description": "Regional programme plans (goal → task → activity) with financing"},
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
        yield

    return startup


def create_app(settings: RoadmapSettings | None = None) -> FastAPI:
    """Build the roadmap-api application; all resources are created in its lifespan."""
    settings = settings or RoadmapSettings()
    return build_app(
        settings,
        title="Zdrav roadmap-api",
        description=(
            "Roadmaps with measures and tasks, plan execution, strategic sessions "
            "with voting, lean improvement projects and programme plans with financing."
        ),
        version=VERSION,
        routers=[
            roadmaps_router,
            versions_router,
            tasks_router,
            execution_router,
            programmes_router,
            improvements_router,
            sessions_router,
        ],
        migrations_dir=MIGRATIONS_DIR,
        startup=_peers(settings),
        openapi_tags=TAGS,
        # A programme's plan and financing tables are sent whole.
        body_limits={"/v1/programmes": PROGRAMME_BODY_BYTES},
    )
