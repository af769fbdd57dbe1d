"""survey-api: questionnaires, campaigns, kiosks, responses, satisfaction and NPS."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from survey_api.settings import SurveySettings
from zdrav_shared.app import build_app

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
VERSION = "0.1.0"


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
        routers=[],
        migrations_dir=MIGRATIONS_DIR,
    )
