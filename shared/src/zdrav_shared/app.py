"""The common skeleton of a service app: lifespan-owned resources, middlewares, error renderers and
the operational endpoints. Each service's ``create_app(settings)`` calls :func:`build_app`."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from prometheus_client import CollectorRegistry

from zdrav_shared.allow import install_allow_header
from zdrav_shared.auth import JwksCache, TokenVerifier
from zdrav_shared.cors import ZdravCORSMiddleware
from zdrav_shared.db import Database
from zdrav_shared.docs import install_docs
from zdrav_shared.health import alembic_head, alembic_revisions, health_router
from zdrav_shared.http_client import ClientMetrics, ServiceTokenProvider
from zdrav_shared.logging import configure_logging, get_logger
from zdrav_shared.middleware import (
    HttpMetrics,
    RequestBodyMiddleware,
    RequestIdMiddleware,
)
from zdrav_shared.openapi import finish_document
from zdrav_shared.problems import Problem, install_problem_handlers
from zdrav_shared.replica import ReadMetrics, Reads
from zdrav_shared.settings import ServiceSettings
from zdrav_shared.validation import SafeUrlMiddleware

Startup = Callable[[FastAPI], AbstractAsyncContextManager[None]]

log = get_logger(__name__)


def build_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    version: str,
    routers: Sequence[APIRouter],
    migrations_dir: Path,
    startup: Startup | None = None,
    openapi_tags: list[dict[str, Any]] | None = None,
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """Assemble a service. ``body_limits`` maps path prefixes to larger body limits (uploads).

    Nothing is created at import time: the engine, the HTTP client and the
    token verifier live in the lifespan; ``startup`` may add the service's own resources."""
    registry = CollectorRegistry()
    # Metrics are registered once per app: its lifespan may run more than once (tests restart it).
    read_metrics = ReadMetrics(registry)
    head = alembic_head(migrations_dir)

    # Before anything logs: uvicorn builds the app (--factory) before its "Started server process" line.
    configure_logging(settings.service_name, settings.log_level, json=settings.log_format != "console")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            database = Database.from_url(
                settings.database_url,
                pool_size=settings.database_pool_size,
                pre_ping=settings.database_pool_pre_ping,
                connect_timeout_s=settings.database_connect_timeout_s,
                statement_timeout_ms=settings.database_statement_timeout_ms,
                pgbouncer=settings.database_pgbouncer,
            )
            stack.push_async_callback(database.dispose)
            app.state.reads = await stack.enter_async_context(_reads(settings, database, read_metrics))
            http = httpx.AsyncClient(timeout=settings.http_timeout_s, limits=httpx.Limits(max_connections=100))
            stack.push_async_callback(http.aclose)
            secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
            jwks = JwksCache(settings.jwks_url, client=http) if settings.jwks_url else None
            app.state.db = database
            app.state.http = http
            app.state.token_verifier = TokenVerifier(
                secret=secret,
                jwks=jwks,
                audience=settings.jwt_audience,
                leeway_s=settings.jwt_leeway_s,
                max_ttl_s=settings.max_token_ttl_s,
                max_service_ttl_s=settings.max_service_token_ttl_s,
            )
            app.state.service_token = ServiceTokenProvider(
                settings.service_token.get_secret_value() if settings.service_token else None,
                secret,
                settings.service_name,
            )
            if startup is not None:
                await stack.enter_async_context(startup(app))
            log.info("service_started", version=version, backend=database.engine.dialect.name)
            _settle_garbage_collector()
            yield
        log.info("service_stopped")

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_tags=openapi_tags,
        separate_input_output_schemas=False,
        telemetry=None if settings.opentelemetry else {"tracing": False, "metrics": False, "logs": False},
        # The document, Swagger UI and ReDoc are served by zdrav_shared.docs (packaged assets, not a CDN).
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.metrics_registry = registry
    app.state.client_metrics = ClientMetrics(registry)
    app.state.alembic_head = head
    app.state.alembic_revisions = alembic_revisions(migrations_dir)
    install_problem_handlers(app)
    install_allow_header(app)
    install_docs(app)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)
    _finish_openapi(app, _local_url(settings))
    # Each one added wraps the ones before: the request id (added last, with the metrics) must be bound
    # before anything logs; CORS sits outside the body limits so that a browser can read their 413/408.
    app.add_middleware(SafeUrlMiddleware)
    app.add_middleware(
        RequestBodyMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits=body_limits,
        timeout_s=settings.body_read_timeout_s,
    )
    if settings.cors_origin_list:  # none configured: no middleware at all, not even its per-request check
        app.add_middleware(ZdravCORSMiddleware, origins=settings.cors_origin_list)
    app.add_middleware(RequestIdMiddleware, metrics=HttpMetrics(registry))
    return app


@asynccontextmanager
async def _reads(settings: ServiceSettings, primary: Database, metrics: ReadMetrics) -> AsyncIterator[Reads]:
    """Where the read-heavy calls read (``zdrav_shared.replica``): the replica's engine, when configured."""
    replica = None
    if settings.read_database_url:
        replica = Database.from_url(
            settings.read_database_url,
            pool_size=settings.database_pool_size,
            pre_ping=settings.database_pool_pre_ping,
            connect_timeout_s=settings.database_connect_timeout_s,
            statement_timeout_ms=settings.database_statement_timeout_ms,
            pgbouncer=settings.database_pgbouncer,
        )
    try:
        yield Reads(
            primary,
            replica,
            retry_s=settings.read_database_retry_s,
            max_lag_s=settings.read_database_max_lag_s,
            metrics=metrics,
        )
    finally:
        if replica is not None:
            await replica.dispose()


def _settle_garbage_collector() -> None:
    """Keep Python's cyclic garbage collector off the start-up heap and collect less often.

    Every request allocates thousands of short-lived objects, so generation-0 passes run every few
    requests and each older-generation pass walks the whole heap again: modules, the app, the
    OpenAPI schema, caches — ~100 MB that never becomes garbage. Freezing what exists after start-up
    moves it out of the collector's sight, and a larger generation-0 threshold trades a little
    memory for fewer passes (`gc.freeze` is what CPython's documentation suggests for a heap built
    before serving). Measured with `make bench` (single responses): see docs/benchmarks.md.

    Once per process: a test session starts hundreds of apps, and freezing at each start would put
    whatever earlier apps still hold out of the collector's reach for good."""
    global _gc_settled
    if _gc_settled:
        return
    _gc_settled = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])


_gc_settled = False


GC_GEN0_THRESHOLD = 10_000
"""CPython's default is 700 allocations; a request of survey-api alone makes a few thousand."""


_LOCAL_URL_FIELDS = {"kpi-api": "kpi_url", "survey-api": "survey_url", "roadmap-api": "roadmap_url"}


def _local_url(settings: ServiceSettings) -> str | None:
    """The service's address under ``make run`` (the default of its peer-URL setting, never the
    environment's value: the committed OpenAPI document must not depend on where it was rendered)."""
    field = _LOCAL_URL_FIELDS.get(settings.service_name)
    if field is None:
        return None
    default: str = ServiceSettings.model_fields[field].default
    return default


def _finish_openapi(app: FastAPI, server_url: str | None) -> None:
    """Make ``#/components/schemas/Problem`` exist even if no route declared it yet, and add what the
    routes declare about themselves (zdrav_shared.openapi)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" not in components:
            components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        finish_document(app, schema, server_url)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
