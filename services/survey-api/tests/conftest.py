from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from survey_api.app import MIGRATIONS_DIR, create_app
from survey_api.models import Base
from survey_api.settings import SurveySettings
from zdrav_shared.testing import TEST_JWT_SECRET, ThrowawayDatabase, empty_tables


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    database = ThrowawayDatabase("survey-api", MIGRATIONS_DIR)
    url = database.create()
    yield url
    database.drop()


@pytest.fixture
def settings(database_url: str) -> SurveySettings:
    return SurveySettings(
        database_url=database_url,
        jwt_secret=TEST_JWT_SECRET,
        log_json=True,
        max_body_bytes=65_536,
        max_offline_age_days=3650,
    )


@pytest.fixture
async def app(settings: SurveySettings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application):
        try:
            yield application
        finally:
            await empty_tables(application.state.db.engine, Base.metadata)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kpi.test") as http:
        yield http
