"""``/healthz`` (the process is alive), ``/readyz`` (database reachable, migrations at head) and
``/metrics`` (Prometheus) for every service."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from zdrav_shared.db import Database


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: bool
    migrations_at_head: bool
    revision: str | None = None
    head: str | None = None


def alembic_head(script_location: Path) -> str | None:
    """The head revision of a service's migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    heads = ScriptDirectory.from_config(config).get_heads()
    return heads[0] if heads else None


def health_router() -> APIRouter:
    """The operational endpoints; they need no token and are left out of the schema."""
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        """The process is alive and serving."""
        return Health(status="ok")

    @router.get("/readyz", response_model=Readiness)
    async def readyz(request: Request) -> JSONResponse:
        """Ready when the database answers and is migrated to this build's head."""
        database: Database = request.app.state.db
        head: str | None = request.app.state.alembic_head
        reachable = await database.ping()
        revision = await database.current_revision() if reachable else None
        at_head = reachable and revision == head
        body = Readiness(
            status="ready" if at_head else "not_ready",
            database=reachable,
            migrations_at_head=at_head,
            revision=revision,
            head=head,
        )
        return JSONResponse(body.model_dump(), status_code=200 if at_head else 503)

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        """Prometheus exposition of this process's metrics."""
        return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)

    return router
