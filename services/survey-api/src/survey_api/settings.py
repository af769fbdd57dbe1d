"""survey-api configuration: ``SURVEY_*`` variables plus the platform-wide ``ZDRAV_*`` ones."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from zdrav_shared.settings import ServiceSettings


class SurveySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SURVEY_", extra="ignore", populate_by_name=True)

    service_name: str = "survey-api"
    database_url: str = "sqlite+aiosqlite:///./var/survey.db"

    batch_max_items: int = Field(default=1000, ge=1, description="Most responses in one kiosk batch")
    batch_max_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, description="Body limit of the batch endpoint")
    # Rate limit per kiosk token: an in-process token bucket. With several replicas each replica
    # keeps its own buckets, so the effective limit is multiplied by the replica count; a shared
    # store (Redis) is needed for an exact limit there.
    kiosk_rate_per_s: float = Field(default=5.0, gt=0, description="Sustained requests per second per kiosk")
    kiosk_burst: int = Field(default=20, ge=1, description="Requests a kiosk may send at once after a pause")
    future_tolerance_s: int = Field(default=300, ge=0, description="Device clock lead tolerated")
    max_offline_age_days: int = Field(default=30, ge=1, description="Oldest trusted submitted_at")
    campaign_cache_ttl_s: float = Field(default=5.0, ge=0, description="How long a replica trusts a cached campaign")
    # A token revoked through another replica may be accepted here for up to this long; 0 disables
    # the cache (every kiosk request then looks its token up in the database).
    kiosk_cache_ttl_s: float = Field(default=5.0, ge=0, description="How long a replica trusts a cached kiosk token")
    default_timezone: str = "Europe/Moscow"
    # PostgreSQL only: response ingestion writes through a raw asyncpg pool of its own (prepared
    # statements, no ORM session), beside the engine's pool that serves everything else.
    ingest_pool_size: int = Field(default=20, ge=1, description="Connections of the ingestion pool (PostgreSQL)")
