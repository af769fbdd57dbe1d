"""Alembic environment of survey-api (async; SQLite or PostgreSQL)."""

from survey_api.models import Base
from survey_api.settings import SurveySettings
from zdrav_shared.migrations import run_env

run_env(Base.metadata, SurveySettings().database_url)
