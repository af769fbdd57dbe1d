"""Alembic environment of roadmap-api (async; SQLite or PostgreSQL)."""

from roadmap_api.models import Base
from roadmap_api.settings import RoadmapSettings
from zdrav_shared.migrations import run_env

run_env(Base.metadata, RoadmapSettings().database_url)
