"""Settings: a service's own prefix, and the platform-wide ZDRAV_* names every service shares."""

from __future__ import annotations

import pytest
from pydantic_settings import SettingsConfigDict

from zdrav_shared.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore", populate_by_name=True)

    service_name: str = "demo-api"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("DEMO_", "ZDRAV_", "KPI_")) or name in ("DATABASE_URL", "JWT_SECRET"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = DemoSettings()
    assert settings.service_name == "demo-api"
    assert settings.jwt_secret is None and settings.jwks_url is None
    assert settings.max_body_bytes == 1_048_576
    assert settings.http_retries == 2


def test_prefixed_variables_configure_this_service_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_DATABASE_URL", "postgresql+asyncpg://demo@db/demo")
    monkeypatch.setenv("KPI_DATABASE_URL", "postgresql+asyncpg://kpi@db/kpi")
    monkeypatch.setenv("DEMO_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("DEMO_LOG_JSON", "false")
    settings = DemoSettings()
    assert settings.database_url == "postgresql+asyncpg://demo@db/demo"
    assert settings.max_body_bytes == 2048
    assert settings.log_json is False


def test_unprefixed_service_variable_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://other@db/other")
    assert DemoSettings().database_url == ServiceSettings.model_fields["database_url"].default


def test_platform_wide_variables_ignore_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZDRAV_JWT_SECRET", "s3cret")
    monkeypatch.setenv("ZDRAV_JWKS_URL", "https://idp/certs")
    monkeypatch.setenv("ZDRAV_KPI_URL", "http://kpi:8000")
    monkeypatch.setenv("ZDRAV_SERVICE_TOKEN", "tok")
    monkeypatch.setenv("DEMO_JWT_SECRET", "not-this-one")
    settings = DemoSettings()
    assert settings.jwt_secret is not None and settings.jwt_secret.get_secret_value() == "s3cret"
    assert settings.jwks_url == "https://idp/certs"
    assert settings.kpi_url == "http://kpi:8000"
    assert settings.service_token is not None and settings.service_token.get_secret_value() == "tok"


def test_secrets_are_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZDRAV_JWT_SECRET", "s3cret-value")
    assert "s3cret-value" not in repr(DemoSettings())


def test_constructor_arguments_by_field_name() -> None:
    settings = DemoSettings(jwt_secret="abc", kpi_url="http://k", database_url="sqlite+aiosqlite:///x.db")
    assert settings.jwt_secret is not None and settings.jwt_secret.get_secret_value() == "abc"
    assert settings.kpi_url == "http://k"
    assert settings.database_url == "sqlite+aiosqlite:///x.db"
