"""Alembic environment of kpi-api (async; SQLite or PostgreSQL)."""

from kpi_api.models import Base
from kpi_api.settings import KpiSettings
from zdrav_shared.migrations import run_env

run_env(Base.metadata, KpiSettings().database_url)
