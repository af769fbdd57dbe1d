"""roadmap-api: roadmaps, tasks, execution, strategic sessions, improvement projects, programme plans."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from roadmap_api.settings import RoadmapSettings
from zdrav_shared.app import build_app

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
VERSION = "0.1.0"


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
        routers=[],
        migrations_dir=MIGRATIONS_DIR,
    )
