"""roadmap-api configuration: ``ROADMAP_*`` variables plus the platform-wide ``ZDRAV_*`` ones."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from zdrav_shared.settings import ServiceSettings


class RoadmapSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROADMAP_", extra="ignore", populate_by_name=True)

    service_name: str = "roadmap-api"
    database_url: str = "sqlite+aiosqlite:///./var/roadmap.db"
    # How often pending regional-centre change notices are retried towards kpi-api (0: never in
    # the background; they are still sent after each centre write and on demand).
    notice_retry_interval_s: float = 60.0
    # The secret survey-api's `response.detractor` webhook subscription signs with
    # (ROADMAP_DETRACTOR_WEBHOOK_SECRET); unset, POST /v1/followups/detractors answers 503.
    detractor_webhook_secret: str | None = None
