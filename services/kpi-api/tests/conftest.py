from __future__ import annotations

from kpi_api.app import MIGRATIONS_DIR, create_app
from kpi_api.models import Base
from kpi_api.settings import KpiSettings
from zdrav_shared.testing import TEST_JWT_SECRET, service_fixtures


def make_settings(database_url: str) -> KpiSettings:
    return KpiSettings(
        database_url=database_url,
        jwt_secret=TEST_JWT_SECRET,
        log_json=True,
        max_body_bytes=65_536,
        source_refresh_interval_s=0,
        webhook_interval_s=0,
        webhook_allow="127.0.0.1",
    )


database_url, settings, app, client = service_fixtures(
    "kpi-api", MIGRATIONS_DIR, create_app, make_settings, Base.metadata
)
