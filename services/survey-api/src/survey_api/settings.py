"""survey-api configuration: ``SURVEY_*`` variables plus the platform-wide ``ZDRAV_*`` ones."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from zdrav_shared.settings import ServiceSettings


class SurveySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SURVEY_", extra="ignore", populate_by_name=True)

    service_name: str = "survey-api"
    database_url: str = "sqlite+aiosqlite:///./var/survey.db"
