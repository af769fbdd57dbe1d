"""Read-heavy requests on a read replica (``zdrav_shared.replica``): where each read goes, the fallbacks,
``X-Data-As-Of``, readiness while the primary is down, and the settings for PgBouncer.

The rules are tested here with stand-in databases (and, through the app, with real ones: a second
database playing the replica, and a URL on which nothing listens playing a database that is down).
A real streaming replica — pg_basebackup, replay paused, primary and standby stopped — is exercised
by ``tests/fault/test_read_replica.py``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, FastAPI
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from kpi_api.app import MIGRATIONS_DIR
from zdrav_shared.app import build_app
from zdrav_shared.db import CommittingRoute, pgbouncer_connect_args
from zdrav_shared.middleware import as_of_header
from zdrav_shared.problems import ServiceUnavailable
from zdrav_shared.rawdb import RawPool
from zdrav_shared.replica import AS_OF_KEY, SOURCE_KEY, Reads, ReadSession, data_as_of, read_engine
from zdrav_shared.settings import ServiceSettings
from zdrav_shared.testing import TEST_JWT_SECRET, ThrowawayDatabase

from .conftest import Note, notes, test_metadata

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


# The rules, with stand-in databases ------------------------------------------------------------------


class FakeResult:
    def __init__(self, row: tuple[Any, ...]) -> None:
        self.row = row

    def one(self) -> tuple[Any, ...]:
        return self.row


class FakeSession:
    def __init__(self, database: FakeDatabase) -> None:
        self.database = database
        self.info: dict[str, Any] = {}
        self.closed = False

    async def execute(self, statement: Any) -> FakeResult:
        self.database.queries += 1
        if self.database.down:
            raise ConnectionRefusedError(111, "Connect call failed")
        return FakeResult((NOW - timedelta(seconds=self.database.lag_s), self.database.lag_s))

    async def close(self) -> None:
        self.closed = True


class FakeDatabase:
    """Answers the as-of query with its lag, or refuses like a server that is down."""

    is_sqlite = False

    def __init__(self, name: str, lag_s: float = 0.0) -> None:
        self.name = name
        self.lag_s = lag_s
        self.down = False
        self.queries = 0
        self.sessions: list[FakeSession] = []

    def sessionmaker(self) -> FakeSession:
        session = FakeSession(self)
        self.sessions.append(session)
        return session


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reads(primary: FakeDatabase, replica: FakeDatabase | None, clock: Clock, max_lag_s: float = 30) -> Reads:
    return Reads(
        primary,  # type: ignore[arg-type]
        replica,  # type: ignore[arg-type]
        retry_s=5,
        max_lag_s=max_lag_s,
        monotonic=clock,
        wall_clock=lambda: NOW,
    )


def source(session: Any) -> tuple[str, datetime | None]:
    return session.info[SOURCE_KEY], session.info[AS_OF_KEY]


class TestWhereReadsGo:
    async def test_without_a_replica_the_primary_is_not_even_asked(self) -> None:
        primary = FakeDatabase("primary")
        session = await reads(primary, None, Clock()).open()
        assert source(session) == ("primary", NOW)
        assert primary.queries == 0, "no extra round trip on the primary"

    async def test_a_replica_that_keeps_up_serves_the_read(self) -> None:
        primary, replica = FakeDatabase("primary"), FakeDatabase("replica", lag_s=2)
        session = await reads(primary, replica, Clock()).open()
        assert source(session) == ("replica", NOW - timedelta(seconds=2))
        assert primary.queries == 0

    async def test_a_replica_that_is_down_sends_reads_to_the_primary_and_is_left_alone_for_a_while(self) -> None:
        primary, replica, clock = FakeDatabase("primary"), FakeDatabase("replica"), Clock()
        replica.down = True
        chooser = reads(primary, replica, clock)
        assert source(await chooser.open())[0] == "primary"
        assert source(await chooser.open())[0] == "primary"
        assert replica.queries == 1, "within the retry window the replica is not tried again"
        assert all(s.closed for s in replica.sessions)
        clock.now += 5
        replica.down = False
        assert source(await chooser.open())[0] == "replica"

    async def test_a_replica_too_far_behind_is_passed_over_while_the_primary_answers(self) -> None:
        primary, replica = FakeDatabase("primary"), FakeDatabase("replica", lag_s=31)
        session = await reads(primary, replica, Clock(), max_lag_s=30).open()
        assert source(session) == ("primary", NOW)
        assert replica.sessions[0].closed, "the replica's session is given back"

    async def test_a_max_lag_of_zero_never_passes_the_replica_over(self) -> None:
        primary, replica = FakeDatabase("primary"), FakeDatabase("replica", lag_s=3600)
        session = await reads(primary, replica, Clock(), max_lag_s=0).open()
        assert source(session) == ("replica", NOW - timedelta(hours=1))

    async def test_with_the_primary_down_a_lagging_replica_still_answers_with_its_age(self) -> None:
        primary, replica, clock = FakeDatabase("primary"), FakeDatabase("replica", lag_s=120), Clock()
        primary.down = True
        chooser = reads(primary, replica, clock)
        assert source(await chooser.open()) == ("replica_behind", NOW - timedelta(seconds=120))
        assert source(await chooser.open())[0] == "replica_behind"
        assert primary.queries == 1, "a primary that failed is not tried again within the retry window"

    async def test_neither_answering_is_a_503(self) -> None:
        primary, replica = FakeDatabase("primary"), FakeDatabase("replica")
        primary.down = replica.down = True
        with pytest.raises(ServiceUnavailable):
            await reads(primary, replica, Clock()).open()

    async def test_a_replica_lost_during_a_request_is_skipped_for_a_while(self) -> None:
        primary, replica, clock = FakeDatabase("primary"), FakeDatabase("replica"), Clock()
        chooser = reads(primary, replica, clock)
        session = await chooser.open()
        chooser.failed(
            session, DBAPIError("SELECT", {}, ConnectionResetError(104, "reset"), connection_invalidated=True)
        )
        assert source(await chooser.open())[0] == "primary"
        assert replica.queries == 1

    async def test_a_request_error_of_its_own_leaves_the_replica_in_use(self) -> None:
        primary, replica = FakeDatabase("primary"), FakeDatabase("replica")
        chooser = reads(primary, replica, Clock())
        session = await chooser.open()
        chooser.failed(session, ServiceUnavailable("a peer cannot answer"))
        chooser.failed(session, ValueError("cannot parse"))
        assert source(await chooser.open())[0] == "replica"


class TestDataAsOf:
    def session(self, source_name: str, as_of: datetime | None) -> AsyncSession:
        session = AsyncSession()
        session.info.update({SOURCE_KEY: source_name, AS_OF_KEY: as_of})
        return session

    def test_a_replica_gives_its_replay_point(self) -> None:
        replay = NOW - timedelta(seconds=4)
        assert data_as_of(self.session("replica", replay)) == replay
        assert data_as_of(self.session("replica", replay), NOW) == replay

    def test_the_primary_gives_the_answers_own_clock_or_when_the_read_began(self) -> None:
        began = NOW - timedelta(milliseconds=300)
        assert data_as_of(self.session("primary", began), NOW) == NOW
        assert data_as_of(self.session("primary", began)) == began

    def test_a_plain_session_says_nothing(self) -> None:
        assert data_as_of(AsyncSession()) is None
        assert data_as_of(AsyncSession(), NOW) == NOW

    def test_header_is_rfc3339_utc_with_milliseconds(self) -> None:
        local = datetime(2026, 12, 5, 13, 0, 0, 123456, tzinfo=UTC).astimezone()
        assert as_of_header(local) == "2026-12-05T13:00:00.123Z"


class TestPgBouncerSettings:
    def test_no_statement_outlives_its_exchange_and_nothing_unknown_at_connect(self) -> None:
        args = pgbouncer_connect_args()
        assert args["statement_cache_size"] == 0 and args["prepared_statement_cache_size"] == 0
        assert args["prepared_statement_name_func"]() == "", "the unnamed statement: nothing left on the server"
        assert "server_settings" not in args

    def test_the_raw_pool_keeps_its_prepared_statements_unless_behind_pgbouncer(self) -> None:
        direct = RawPool("postgresql+asyncpg://u@h/d", statement_timeout_ms=1234)._statement_options()
        assert direct == {"server_settings": {"statement_timeout": "1234"}}
        assert RawPool("postgresql+asyncpg://u@h/d", pgbouncer=True)._statement_options() == {"statement_cache_size": 0}


# Through the app, on real databases ------------------------------------------------------------------


def down_url() -> str:
    """A PostgreSQL URL on which nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/down"


def make_read_router() -> APIRouter:
    router = APIRouter(route_class=CommittingRoute, prefix="/read")

    @router.get("/notes")
    async def read_notes(session: ReadSession) -> dict[str, Any]:
        texts = list((await session.execute(select(Note.text).order_by(Note.id))).scalars())
        as_of = data_as_of(session)
        return {
            "texts": texts,
            "data_as_of": as_of.isoformat() if as_of else None,
            "engine": read_engine(session).url.port,
        }

    return router


@pytest.fixture(scope="module")
def replica_url() -> Iterator[str]:
    """A second migrated database standing in for the replica (its rows tell which one answered)."""
    database = ThrowawayDatabase("shared-replica", MIGRATIONS_DIR)
    url = database.create()

    async def create_table() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(test_metadata.create_all)
            await conn.execute(delete(notes))
            await conn.execute(insert(notes).values(id=1, text="on the replica"))
        await engine.dispose()

    asyncio.run(create_table())
    yield url
    database.drop()


async def started(settings: ServiceSettings) -> FastAPI:
    from .conftest import make_db_router

    return build_app(
        settings,
        title="replica tests",
        description="reads on a replica",
        version="0.0.1",
        routers=[make_read_router(), make_db_router()],
        migrations_dir=MIGRATIONS_DIR,
    )


@pytest.fixture
async def primary_note(database_url: str) -> AsyncIterator[None]:
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(delete(notes))
        await conn.execute(insert(notes).values(id=1, text="on the primary"))
    yield
    async with engine.begin() as conn:
        await conn.execute(delete(notes))
    await engine.dispose()


async def serve(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = await started(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://replica.test") as http:
            yield http


def config(primary: str, replica: str | None, **extra: Any) -> ServiceSettings:
    return ServiceSettings(
        service_name="replica-tests",
        database_url=primary,
        read_database_url=replica,
        jwt_secret=TEST_JWT_SECRET,
        log_json=True,
        **extra,
    )


@pytest.mark.usefixtures("primary_note")
class TestThroughTheApp:
    async def test_without_a_replica_reads_are_on_the_primary_with_their_moment(self, database_url: str) -> None:
        before = datetime.now(UTC)
        async for http in serve(config(database_url, None)):
            response = await http.get("/read/notes")
            assert response.status_code == 200
            assert response.json()["texts"] == ["on the primary"]
            as_of = datetime.fromisoformat(response.headers["x-data-as-of"].replace("Z", "+00:00"))
            assert before - timedelta(milliseconds=1) <= as_of <= datetime.now(UTC)
            ready = (await http.get("/readyz")).json()
            assert ready["status"] == "ready" and ready["read_database"] is None

    async def test_reads_go_to_the_replica_and_writes_to_the_primary(self, database_url: str, replica_url: str) -> None:
        async for http in serve(config(database_url, replica_url)):
            response = await http.get("/read/notes")
            assert response.status_code == 200 and response.json()["texts"] == ["on the replica"]
            assert response.headers["x-data-as-of"].endswith("Z")
            assert response.json()["data_as_of"] is not None
            assert (await http.post("/db/notes/2")).status_code == 200
            assert (await http.get("/read/notes")).json()["texts"] == ["on the replica"]
            ready = (await http.get("/readyz")).json()
            assert ready["status"] == "ready" and ready["read_database"] is True

    async def test_a_replica_that_is_down_sends_reads_to_the_primary(self, database_url: str) -> None:
        async for http in serve(config(database_url, down_url())):
            for _ in range(3):
                response = await http.get("/read/notes")
                assert response.status_code == 200 and response.json()["texts"] == ["on the primary"]
                assert "x-data-as-of" in response.headers
            metrics = (await http.get("/metrics")).text
            assert 'zdrav_db_reads_total{source="primary"} 3.0' in metrics
            ready = await http.get("/readyz")
            assert ready.status_code == 200 and ready.json()["read_database"] is False

    async def test_with_the_primary_down_reads_go_on_and_writes_are_503(self, replica_url: str) -> None:
        async for http in serve(config(down_url(), replica_url)):
            response = await http.get("/read/notes")
            assert response.status_code == 200 and response.json()["texts"] == ["on the replica"]
            write = await http.post("/db/notes/3")
            assert write.status_code == 503 and write.headers["content-type"] == "application/problem+json"
            assert "retry-after" in write.headers
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "read_only" and ready.json()["database"] is False
            assert ready.json()["read_database"] is True and ready.json()["migrations"] == "at_head"

    async def test_both_down_is_a_503_and_not_ready(self) -> None:
        async for http in serve(config(down_url(), down_url())):
            response = await http.get("/read/notes")
            assert response.status_code == 503 and response.headers["content-type"] == "application/problem+json"
            ready = await http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["status"] == "not_ready"


async def test_the_app_can_start_twice_with_its_read_metrics(database_url: str) -> None:
    """The lifespan may run more than once per app (the fuzz tests restart it): metrics register once."""
    app = await started(config(database_url, None))
    for _ in range(2):
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://replica.test") as http:
                assert (await http.get("/read/notes")).status_code == 200
                assert "zdrav_db_reads_total" in (await http.get("/metrics")).text
