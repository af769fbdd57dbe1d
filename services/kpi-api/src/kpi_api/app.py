"""kpi-api: org units, indicators and formulas, targets, values, approval, deadlines, analytics, the
federal quarterly report, reporting obligations and the lean New-model report."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kpi_api.alerts.router import router as alerts_router
from kpi_api.analytics.router import router as analytics_router
from kpi_api.builtins import with_builtins
from kpi_api.charts.router import router as charts_router
from kpi_api.deadlines.router import router as deadlines_router
from kpi_api.imports.router import router as imports_router
from kpi_api.indicators.router import router as indicators_router
from kpi_api.lean_reports.router import router as lean_reports_router
from kpi_api.models import WEBHOOKS
from kpi_api.org_units.router import router as org_units_router
from kpi_api.population.router import router as population_router
from kpi_api.report_submissions.router import router as report_submissions_router
from kpi_api.report_types.router import router as report_types_router
from kpi_api.reports.router import router as reports_router
from kpi_api.settings import KpiSettings
from kpi_api.sources.router import router as sources_router
from kpi_api.sources.task import peers_and_refresh
from kpi_api.suggested_targets.router import router as suggested_targets_router
from kpi_api.targets.router import router as targets_router
from kpi_api.values.router import router as values_router
from kpi_api.webhooks.deadlines import sweep_missed_deadlines
from kpi_api.webhooks.events import EVENTS
from zdrav_shared.app import build_app
from zdrav_shared.webhooks.router import webhooks_router
from zdrav_shared.webhooks.wiring import with_webhooks

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
VERSION = "0.1.0"


def create_app(settings: KpiSettings | None = None) -> FastAPI:
    """Build the kpi-api application; all resources are created in its lifespan."""
    settings = settings or KpiSettings()
    return build_app(
        settings,
        title="Zdrav kpi-api",
        description=(
            "Indicators, targets and reported values of a region's healthcare, their approval and "
            "deadlines, analytics over the org-unit hierarchy, and the federal quarterly report."
        ),
        version=VERSION,
        routers=[
            org_units_router,
            population_router,
            indicators_router,
            targets_router,
            suggested_targets_router,
            values_router,
            analytics_router,
            alerts_router,
            charts_router,
            deadlines_router,
            imports_router,
            sources_router,
            reports_router,
            report_types_router,
            report_submissions_router,
            lean_reports_router,
            webhooks_router(WEBHOOKS, EVENTS),
        ],
        migrations_dir=MIGRATIONS_DIR,
        startup=with_webhooks(
            WEBHOOKS, settings, with_builtins(peers_and_refresh(settings)), sweep=sweep_missed_deadlines
        ),
        body_limits={
            path: settings.max_import_bytes + 65_536
            for path in ("/v1/org-units/import", "/v1/values/import", "/v1/indicators/import")
        },
        openapi_tags=[
            {"name": "org-units", "description": "The org-unit registry (federation → subdivision)"},
            {"name": "indicators", "description": "The indicator catalogue: inputs and formulas"},
            {"name": "targets", "description": "Targets and baselines per indicator, org unit and year or quarter"},
            {"name": "values", "description": "Reported values and their approval workflow"},
            {"name": "analytics", "description": "Aggregates over the hierarchy with targets and statuses"},
            {"name": "deadlines", "description": "Reporting deadlines, completeness and timeliness"},
            {"name": "imports", "description": "Bulk CSV/XLSX uploads of values and of indicators with targets"},
            {"name": "sources", "description": "Values pulled from survey-api and roadmap-api"},
            {"name": "reports", "description": "The federal quarterly report"},
            {"name": "reporting", "description": "Reporting obligations: report types, submissions, timeliness"},
            {"name": "webhooks", "description": "Signed webhooks of value steps and missed deadlines"},
            {"name": "charts", "description": "Trend and league charts (PNG, SVG) of analytics"},
            {
                "name": "lean-reports",
                "description": "The federal centre's New-model (lean polyclinic) report, tables 1–3",
            },
        ],
    )
