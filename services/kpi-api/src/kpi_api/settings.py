"""kpi-api configuration: ``KPI_*`` variables plus the platform-wide ``ZDRAV_*`` ones."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from zdrav_shared.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KPI_", extra="ignore", populate_by_name=True)

    service_name: str = "kpi-api"
    database_url: str = "sqlite+aiosqlite:///./var/kpi.db"
    max_import_bytes: int = 10 * 1024 * 1024
