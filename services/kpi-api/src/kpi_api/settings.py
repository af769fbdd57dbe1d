"""kpi-api configuration: ``KPI_*`` variables plus the platform-wide ``ZDRAV_*`` ones."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zdrav_shared.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KPI_", extra="ignore", populate_by_name=True)

    service_name: str = "kpi-api"
    database_url: str = "sqlite+aiosqlite:///./var/kpi.db"
    max_import_bytes: int = 10 * 1024 * 1024

    source_refresh_interval_s: float = Field(
        default=300.0, ge=0, description="Pull survey and roadmap values every this many seconds; 0 disables it"
    )
    source_refresh_initial_delay_s: float = Field(default=5.0, ge=0, description="First refresh after start-up")
    source_refresh_timeout_s: float = Field(default=30.0, gt=0, description="Time limit of one call to a peer")
    report_peer_budget_s: float = Field(
        default=3.0, gt=0, description="The quarterly report waits this long for survey-api and roadmap-api"
    )
