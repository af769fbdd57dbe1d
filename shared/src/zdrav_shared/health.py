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
    migrations: str = "unknown"  # at_head | behind | ahead | none
    revision: str | None = None
    head: str | None = None
    # With a read replica configured (<P>_READ_DATABASE_URL): whether it answers. null without one.
    read_database: bool | None = None


def alembic_head(script_location: Path) -> str | None:
    """The head revision of a service's migration scripts."""
    heads = _scripts(script_location).get_heads()
    return heads[0] if heads else None


def alembic_revisions(script_location: Path) -> frozenset[str]:
    """Every revision this build's migration scripts know."""
    return frozenset(rev.revision for rev in _scripts(script_location).walk_revisions())


def _scripts(script_location: Path) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return ScriptDirectory.from_config(config)


def migration_state(revision: str | None, head: str | None, known: frozenset[str]) -> str:
    """Where the database stands relative to this build's scripts.

    ``ahead`` (a revision this build does not know) happens during a rolling upgrade once the new
    release's migration has run: old pods keep serving, because migrations are written
    expand-then-contract. ``behind`` and ``none`` mean the migration step has not run yet.
    """
    if revision is None:
        return "none"
    if revision == head:
        return "at_head"
    return "behind" if revision in known else "ahead"


def health_router() -> APIRouter:
    """The operational endpoints; they need no token and are left out of the schema."""
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        """The process is alive and serving."""
        return Health(status="ok")

    @router.get("/readyz", response_model=Readiness)
    async def readyz(request: Request) -> JSONResponse:
        """Ready when the database answers and is migrated to this build's head.

        With a read replica: while the primary does not answer but the replica does (and is at a
        revision this build can read), the pod stays ready with status ``read_only`` — reads go on
        from the replica and writes answer 503 with Retry-After — instead of every pod leaving the
        load balancer together and reads stopping with the writes."""
        database: Database = request.app.state.db
        head: str | None = request.app.state.alembic_head
        known: frozenset[str] = request.app.state.alembic_revisions
        reads = getattr(request.app.state, "reads", None)
        replica: Database | None = reads.replica if reads is not None else None
        reachable = await database.ping()
        revision = await database.current_revision() if reachable else None
        read_reachable = await replica.ping() if replica is not None else None
        status = "not_ready"
        if reachable:
            state = migration_state(revision, head, known)
            status = "ready" if state in ("at_head", "ahead") else "not_ready"
        elif replica is not None and read_reachable:
            revision = await replica.current_revision()
            state = migration_state(revision, head, known)
            status = "read_only" if state in ("at_head", "ahead") else "not_ready"
        else:
            state = "unknown"
        ready = status != "not_ready"
        body = Readiness(
            status=status,
            database=reachable,
            migrations_at_head=state == "at_head",
            migrations=state,
            revision=revision,
            head=head,
            read_database=read_reachable,
        )
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        """Prometheus exposition of this process's metrics."""
        return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)

    return router
