"""A tiny service built with :func:`zdrav_shared.app.build_app`, on a throwaway database migrated by
kpi-api's scripts (SQLite by default, PostgreSQL with ``ZDRAV_TEST_BACKEND=postgres``), plus one
table of its own for the session-per-request tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Annotated, Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, Field
from sqlalchemy import Integer, MetaData, String, delete
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kpi_api.app import MIGRATIONS_DIR
from zdrav_shared.app import build_app
from zdrav_shared.db import CommittingRoute, db_session
from zdrav_shared.http_client import PeerUnavailable
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import PeriodField
from zdrav_shared.problems import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ProblemError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
)
from zdrav_shared.settings import ServiceSettings
from zdrav_shared.testing import TEST_JWT_SECRET, ThrowawayDatabase

MAX_BODY = 1024
BIG_PREFIX = "/big"
BIG_BODY = 8192


class NotesBase(DeclarativeBase):
    metadata = MetaData()


class Note(NotesBase):
    __tablename__ = "shared_test_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(String(100))


test_metadata = NotesBase.metadata
notes = Note.__table__

PROBLEMS: dict[str, ProblemError] = {
    "bad-request": BadRequest("the filter is malformed"),
    "unauthorized": Unauthorized("a bearer token is required"),
    "forbidden": Forbidden("org unit RU-KYA is outside your scope"),
    "not-found": NotFound("no indicator X"),
    "conflict": Conflict("already exists", current_etag='W/"2"'),
    "precondition-failed": PreconditionFailed("stale"),
    "payload-too-large": PayloadTooLarge("too big"),
    "validation-error": Unprocessable("value is negative", pointer="/items/0/value"),
    "rate-limited": TooManyRequests("slow down", retry_after_s=7),
    "service-unavailable": ServiceUnavailable("down", retry_after_s=9),
    "peer-unavailable": PeerUnavailable("survey-api did not answer", target="survey-api"),
}

log = get_logger("shared-tests")


class Item(BaseModel):
    value: int = Field(ge=0)
    period: PeriodField


class Batch(BaseModel):
    items: list[Item]


def make_router() -> APIRouter:
    router = APIRouter(route_class=CommittingRoute)

    @router.get("/raise/{name}")
    async def raise_problem(name: str) -> dict[str, str]:
        raise PROBLEMS[name]

    @router.post("/items")
    async def post_items(batch: Batch) -> dict[str, Any]:
        return {"count": len(batch.items), "periods": [i.period.code for i in batch.items]}

    @router.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("a bug")

    @router.get("/db-down")
    async def db_down() -> dict[str, str]:
        raise DBAPIError("SELECT 1", {}, ConnectionRefusedError(111, "Connect call failed"))

    @router.get("/things/{thing_id}")
    async def read_thing(thing_id: str) -> dict[str, str]:
        log.info("thing_read", thing_id=thing_id)
        return {"thing_id": thing_id}

    @router.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @router.post(BIG_PREFIX + "/upload")
    async def big_upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @router.post("/upload-json")
    async def upload_json(batch: Batch) -> dict[str, int]:
        return {"count": len(batch.items)}

    return router


Session = Annotated[AsyncSession, Depends(db_session)]


def make_db_router() -> APIRouter:
    """Routes that write through the real ``db_session`` dependency."""
    router = APIRouter(route_class=CommittingRoute, prefix="/db")

    @router.post("/notes/{note_id}")
    async def write_note(note_id: int, session: Session) -> dict[str, int]:
        session.add(Note(id=note_id, text="kept"))
        await session.flush()
        return {"id": note_id}

    @router.post("/notes/{note_id}/unflushed")
    async def write_note_unflushed(note_id: int, session: Session) -> dict[str, int]:
        # Nothing reaches the database until the commit, so a duplicate id fails only there.
        session.add(Note(id=note_id, text="late"))
        return {"id": note_id}

    @router.post("/notes/{note_id}/fail")
    async def write_note_then_fail(note_id: int, session: Session) -> dict[str, int]:
        session.add(Note(id=note_id, text="lost"))
        await session.flush()
        raise Conflict("refused after writing")

    @router.post("/notes/{note_id}/crash")
    async def write_note_then_crash(note_id: int, session: Session) -> dict[str, int]:
        session.add(Note(id=note_id, text="lost"))
        await session.flush()
        raise RuntimeError("a bug after writing")

    return router


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    database = ThrowawayDatabase("shared-tests", MIGRATIONS_DIR)
    url = database.create()

    async def create_table() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(test_metadata.create_all)
        await engine.dispose()

    asyncio.run(create_table())
    yield url
    database.drop()


@pytest.fixture
def settings(database_url: str) -> ServiceSettings:
    return ServiceSettings(
        service_name="shared-tests",
        database_url=database_url,
        jwt_secret=TEST_JWT_SECRET,
        max_body_bytes=MAX_BODY,
        log_json=True,
    )


AppBuilder = Callable[..., FastAPI]


@pytest.fixture
def app_builder(settings: ServiceSettings) -> AppBuilder:
    """``build(extra_routers=(), **settings_overrides)``: the test service, with more routes or settings."""

    def build(extra_routers: Sequence[APIRouter] = (), **overrides: Any) -> FastAPI:
        return build_app(
            settings.model_copy(update=overrides),
            title="shared tests",
            description="a tiny service",
            version="0.0.1",
            routers=[make_router(), make_db_router(), *extra_routers],
            migrations_dir=MIGRATIONS_DIR,
            body_limits={BIG_PREFIX: BIG_BODY},
        )

    return build


@pytest.fixture
async def app(app_builder: AppBuilder) -> AsyncIterator[FastAPI]:
    application = app_builder()
    async with LifespanManager(application):
        try:
            yield application
        finally:
            async with application.state.db.engine.begin() as conn:
                await conn.execute(delete(notes))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # The catch-all 500 handler answers and then Starlette re-raises for the server to log; a real
    # server swallows that, so the test transport must too.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://shared.test") as http:
        yield http
