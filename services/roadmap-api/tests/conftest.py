from __future__ import annotations

from roadmap_api.app import MIGRATIONS_DIR, create_app
from roadmap_api.models import Base
from roadmap_api.settings import RoadmapSettings
from zdrav_shared.testing import TEST_JWT_SECRET, service_fixtures


def make_settings(database_url: str) -> RoadmapSettings:
    return RoadmapSettings(
        database_url=database_url,
        jwt_secret=TEST_JWT_SECRET,
        log_json=True,
        max_body_bytes=65_536,
        webhook_interval_s=0,
        webhook_allow="127.0.0.1",
        detractor_webhook_secret="test-detractor-secret-0123456789",
    )


database_url, settings, app, client = service_fixtures(
    "roadmap-api", MIGRATIONS_DIR, create_app, make_settings, Base.metadata
)
