"""survey-api: questionnaires, campaigns, kiosks, responses, satisfaction and NPS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import Counter

from survey_api.aggregates.router import router as aggregates_router
from survey_api.campaigns.context import CampaignCache
from survey_api.campaigns.router import router as campaigns_router
from survey_api.charts.router import router as charts_router
from survey_api.comments.router import router as comments_router
from survey_api.exports.router import router as exports_router
from survey_api.kiosk_app.router import router as kiosk_app_router
from survey_api.kiosks.router import router as kiosks_router
from survey_api.kiosks.token_cache import KioskTokenCache
from survey_api.models import WEBHOOKS
from survey_api.questionnaires.router import router as questionnaires_router
from survey_api.questionnaires.service import QuestionnaireService
from survey_api.ratelimit import TokenBucketLimiter
from survey_api.responses.partitions import ensure_partitions
from survey_api.responses.router import router as responses_router
from survey_api.responses.service import ClockPolicy, ResponseIngestion
from survey_api.responses.writers import Writers, raw_writers, session_writers
from survey_api.settings import SurveySettings
from survey_api.webhooks.events import EVENTS
from zdrav_shared.app import build_app
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.db import Database
from zdrav_shared.http_client import ServiceClient
from zdrav_shared.rawdb import RawPool
from zdrav_shared.webhooks.router import webhooks_router
from zdrav_shared.webhooks.wiring import with_webhooks

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
VERSION = "0.1.0"


def _startup(settings: SurveySettings):  # type: ignore[no-untyped-def]
    @asynccontextmanager
    async def startup(app: FastAPI) -> AsyncIterator[None]:
        app.state.org_units = OrgUnitClient(
            ServiceClient(
                app.state.http,
                "kpi-api",
                settings.kpi_url,
                token=app.state.service_token,
                metrics=app.state.client_metrics,
                timeout_s=settings.http_timeout_s,
                retries=settings.http_retries,
            )
        )
        app.state.campaigns = CampaignCache(settings.campaign_cache_ttl_s, settings.default_timezone)
        app.state.kiosk_tokens = KioskTokenCache(settings.kiosk_cache_ttl_s)
        app.state.kiosk_limiter = TokenBucketLimiter(settings.kiosk_rate_per_s, settings.kiosk_burst)
        if not hasattr(app.state, "response_counter"):
            app.state.response_counter = Counter(
                "zdrav_survey_responses_total",
                "Survey responses by channel and outcome (accepted, duplicate, rejected)",
                ["channel", "status"],
                registry=app.state.metrics_registry,
            )
        app.state.response_writers, raw_pool = _response_writers(app.state.db, settings)
        # One for the app's life (it holds no request state), not built again on every response.
        app.state.response_ingestion = ResponseIngestion(
            app.state.response_writers,
            ClockPolicy(
                future_tolerance=timedelta(seconds=settings.future_tolerance_s),
                max_age=timedelta(days=settings.max_offline_age_days),
            ),
            app.state.response_counter,
        )
        await seed_standard_questionnaire(app.state.db)
        # PostgreSQL: this quarter's partition of responses and the next ones exist before any insert.
        await ensure_partitions(app.state.db.engine, datetime.now(UTC).date())
        try:
            yield
        finally:
            if raw_pool is not None:
                await raw_pool.close()

    return startup


def _response_writers(database: Database, settings: SurveySettings) -> tuple[Writers, RawPool | None]:
    """Ingestion writes through raw asyncpg on PostgreSQL, through the SQLAlchemy session on SQLite."""
    if database.is_sqlite:
        return session_writers(database), None
    pool = RawPool(
        settings.database_url,
        size=settings.ingest_pool_size,
        connect_timeout_s=settings.database_connect_timeout_s,
        statement_timeout_ms=settings.database_statement_timeout_ms,
        pgbouncer=settings.database_pgbouncer,
    )
    return raw_writers(pool), pool


async def seed_standard_questionnaire(database: Database) -> None:
    """``nsi-standard`` is always present: inserted (if absent) at every start."""
    async with database.sessionmaker() as session, session.begin():
        await QuestionnaireService(session).ensure_standard()


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    """Build the survey-api application; all resources are created in its lifespan."""
    settings = settings or SurveySettings()
    return build_app(
        settings,
        title="Zdrav survey-api",
        description=(
            "Questionnaires, survey campaigns, kiosks, idempotent ingestion of "
            "patients' answers, and satisfaction and NPS aggregates."
        ),
        version=VERSION,
        # Ingestion first: routes are matched in order, and response posts are most of the traffic.
        routers=[
            responses_router,
            questionnaires_router,
            campaigns_router,
            kiosks_router,
            kiosk_app_router,
            aggregates_router,
            charts_router,
            comments_router,
            exports_router,
            webhooks_router(WEBHOOKS, EVENTS),
        ],
        migrations_dir=MIGRATIONS_DIR,
        startup=with_webhooks(WEBHOOKS, settings, _startup(settings)),
        body_limits={"/v1/responses/batch": settings.batch_max_bytes},
        openapi_tags=[
            {"name": "questionnaires", "description": "Versioned questionnaires; nsi-standard is always present"},
            {"name": "campaigns", "description": "Questionnaires deployed to org units for dates and channels"},
            {"name": "kiosks", "description": "Survey devices with opaque, revocable tokens"},
            {"name": "responses", "description": "Idempotent ingestion of answers"},
            {"name": "aggregates", "description": "Satisfaction share and NPS by org unit, channel and period"},
            {"name": "comments", "description": "Free-text comments (personal data masked) for analysts"},
            {"name": "exports", "description": "Responses as CSV or XLSX, streamed"},
            {"name": "charts", "description": "Satisfaction and NPS with their intervals (PNG, SVG)"},
            {"name": "webhooks", "description": "Signed webhooks: response.detractor"},
        ],
    )
