from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from roadmap_api.app import MIGRATIONS_DIR, create_app
from roadmap_api.models import Base
from roadmap_api.settings import RoadmapSettings
from zdrav_shared.testing import TEST_JWT_SECRET, ThrowawayDatabase, empty_tables


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    database = ThrowawayDatabase("roadmap-api", MIGRATIONS_DIR)
    url = database.create()
    yield url
    database.drop()


@pytest.fixture
def settings(database_url: str) -> RoadmapSettings:
    return RoadmapSettings(database_url=database_url, jwt_secret=TEST_JWT_SECRET, log_json=True, max_body_bytes=65_536)


@pytest.fixture
async def app(settings: RoadmapSettings) -> AsyncIterator[FastAPI]:
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
