"""Settings base shared by the services.

Each service subclasses :class:`ServiceSettings` with its own ``env_prefix`` (``KPI_``, ``SURVEY_``,
``ROADMAP_``), so ``KPI_DATABASE_URL`` configures kpi-api only. The platform-wide secrets and peers
(``ZDRAV_JWT_SECRET``, ``ZDRAV_JWKS_URL``, ``ZDRAV_KPI_URL``…) are read without the prefix because
every service must agree on them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from zdrav_shared.tokens import MAX_SERVICE_TOKEN_TTL_S, MAX_USER_TOKEN_TTL_S


class ServiceSettings(BaseSettings):
    """Configuration common to every service; built once and passed to ``create_app``."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None, populate_by_name=True)

    service_name: str = "zdrav"
    environment: str = "dev"
    database_url: str = "sqlite+aiosqlite:///./var/zdrav.db"
    database_pool_size: int = 20
    database_pool_pre_ping: bool = False
    database_connect_timeout_s: float = 5.0
    database_statement_timeout_ms: int = 30_000
    # Behind PgBouncer in transaction mode (docs/scaling.md): no prepared statement outlives its
    # transaction and no session setting is sent at connect. Applies to both database URLs.
    database_pgbouncer: bool = False
    # A streaming replica for the read-heavy calls (analytics, reports, aggregates, exports): see
    # zdrav_shared.replica. Unset: they read the primary like everything else.
    read_database_url: str | None = None
    # After the replica failed to answer, reads go to the primary for this long before it is tried again.
    read_database_retry_s: float = Field(default=5.0, ge=0)
    # A replica further behind than this is passed over for the primary while the primary answers;
    # 0: never passed over for its lag.
    read_database_max_lag_s: float = Field(default=30.0, ge=0)
    log_level: str = "INFO"
    # Every line is JSON unless ZDRAV_LOG_FORMAT=console (human-friendly, for a terminal). The old
    # ``<P>_LOG_JSON`` is still accepted and no longer switches the format: JSON is the default everywhere.
    log_format: Literal["json", "console"] = Field(
        default="json", validation_alias=AliasChoices("ZDRAV_LOG_FORMAT", "log_format")
    )
    log_json: bool = True
    max_body_bytes: int = 1_048_576
    # A request body must have fully arrived this long after its headers (slow clients get a 408); 0 = off.
    body_read_timeout_s: float = Field(default=30.0, ge=0)
    # A request's line and headers must have fully arrived this long after the connection opened or the
    # previous response ended, or the connection is closed (zdrav_shared.http_protocol); 0 = off.
    header_read_timeout_s: float = Field(default=10.0, ge=0)
    # FastAPI's built-in OpenTelemetry hooks. Off by default: the services export Prometheus metrics
    # themselves, and with OpenTelemetry unconfigured the hooks still look up the global providers
    # (environment variables included) on every request — ~4 % of a single survey response.
    opentelemetry: bool = False
    # Browser origins allowed to call the API (CORS), comma-separated, e.g.
    # "https://portal.minzdrav.example,http://localhost:5173". None by default: in production only the
    # portal's own origin belongs here; `make run` allows the usual local front-end ports.
    cors_origins: str = Field(default="", validation_alias=AliasChoices("ZDRAV_CORS_ORIGINS", "cors_origins"))

    jwt_secret: SecretStr | None = Field(default=None, validation_alias=AliasChoices("ZDRAV_JWT_SECRET", "jwt_secret"))
    jwks_url: str | None = Field(default=None, validation_alias=AliasChoices("ZDRAV_JWKS_URL", "jwks_url"))
    jwt_audience: str | None = Field(default=None, validation_alias=AliasChoices("ZDRAV_JWT_AUDIENCE", "jwt_audience"))
    jwt_leeway_s: int = 30
    # The longest lifetime (exp − iat) of a token accepted (401 beyond): user tokens, and tokens with the
    # `service` role (a fixed ZDRAV_SERVICE_TOKEN may outlive a person's session).
    max_token_ttl_s: int = Field(
        default=MAX_USER_TOKEN_TTL_S, gt=0, validation_alias=AliasChoices("ZDRAV_MAX_TOKEN_TTL_S", "max_token_ttl_s")
    )
    max_service_token_ttl_s: int = Field(
        default=MAX_SERVICE_TOKEN_TTL_S,
        gt=0,
        validation_alias=AliasChoices("ZDRAV_MAX_SERVICE_TOKEN_TTL_S", "max_service_token_ttl_s"),
    )

    kpi_url: str = Field(default="http://127.0.0.1:8001", validation_alias=AliasChoices("ZDRAV_KPI_URL", "kpi_url"))
    survey_url: str = Field(
        default="http://127.0.0.1:8002", validation_alias=AliasChoices("ZDRAV_SURVEY_URL", "survey_url")
    )
    roadmap_url: str = Field(
        default="http://127.0.0.1:8003", validation_alias=AliasChoices("ZDRAV_ROADMAP_URL", "roadmap_url")
    )
    service_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZDRAV_SERVICE_TOKEN", "service_token")
    )
    http_timeout_s: float = 5.0
    http_retries: int = 2

    # Webhooks (zdrav_shared.webhooks): hosts that may be private or loopback targets, comma-separated;
    # the delivery worker's pause between idle rounds (0: no worker in this process).
    webhook_allow: str = Field(default="", validation_alias=AliasChoices("ZDRAV_WEBHOOK_ALLOW", "webhook_allow"))
    webhook_interval_s: float = Field(
        default=1.0, ge=0, validation_alias=AliasChoices("ZDRAV_WEBHOOK_INTERVAL_S", "webhook_interval_s")
    )
    # How long a claimed delivery is held before another round (or replica) may send it again.
    webhook_lease_s: float = Field(
        default=60.0, gt=0, validation_alias=AliasChoices("ZDRAV_WEBHOOK_LEASE_S", "webhook_lease_s")
    )

    @property
    def cors_origin_list(self) -> list[str]:
        """``cors_origins`` split at commas, blanks and trailing slashes dropped (an Origin has none)."""
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
