"""The raw asyncpg pool of the hot write paths: transactions commit or roll back as a whole, a database
that is down or refuses connections is a 503 problem (never a 500, never a hang), a real bug in a
statement stays an error, and the pool recovers by itself once the database is back.

The PostgreSQL cases run on the PostgreSQL leg (``ZDRAV_TEST_BACKEND=postgres``)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator

import asyncpg
import asyncpg.exceptions as pg
import pytest
from sqlalchemy.engine import make_url

from zdrav_shared import testing
from zdrav_shared.problems import ServiceUnavailable
from zdrav_shared.rawdb import RawPool, asyncpg_dsn, is_unavailable
from zdrav_shared.testing import postgres_admin_url

on_postgres = pytest.mark.skipif(testing.test_backend() != "postgres", reason="PostgreSQL leg only")


def test_dsn_drops_the_sqlalchemy_driver_name_and_keeps_the_password() -> None:
    assert asyncpg_dsn("postgresql+asyncpg://u:s3cret@db:5433/kpi") == "postgresql://u:s3cret@db:5433/kpi"


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InternalClientError("cannot switch to state 11; another operation (2) is in progress"),
        pg.CannotConnectNowError("the database system is starting up"),
        pg.AdminShutdownError("terminating connection due to administrator command"),
        pg.TooManyConnectionsError("sorry, too many clients already"),
        pg.ObjectNotInPrerequisiteStateError('database "survey" is not currently accepting connections'),
    ],
    ids=lambda e: type(e).__name__,
)
def test_unavailable_errors(error: BaseException) -> None:
    assert is_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [pg.UndefinedColumnError('column "nope" does not exist'), pg.UniqueViolationError("duplicate key")],
    ids=lambda e: type(e).__name__,
)
def test_statement_bugs_are_not_unavailability(error: BaseException) -> None:
    assert not is_unavailable(error)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_refused_connection_is_a_503_quickly() -> None:
    pool = RawPool(f"postgresql+asyncpg://nobody@127.0.0.1:{_closed_port()}/none", connect_timeout_s=2)
    try:
        with pytest.raises(ServiceUnavailable) as raised:
            async with asyncio.timeout(5), pool.connection():
                pytest.fail("no connection can be had")  # pragma: no cover
        assert raised.value.status == 503
        assert int(raised.value.headers["Retry-After"]) > 0
    finally:
        await pool.close()


# -- on a real PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture
async def database() -> AsyncIterator[str]:
    name = f"zdrav_t_rawdb_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(asyncpg_dsn(postgres_admin_url()))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
        setup = await asyncpg.connect(asyncpg_dsn(url))
        await setup.execute("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)")
        await setup.close()
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _ids(url: str) -> list[int]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return [r[0] for r in await conn.fetch("SELECT id FROM notes ORDER BY id")]
    finally:
        await conn.close()


@on_postgres
async def test_a_transaction_commits_as_a_whole_or_not_at_all(database: str) -> None:
    pool = RawPool(database, size=2)
    try:
        async with pool.transaction() as conn:
            await conn.execute("INSERT INTO notes VALUES (1, 'a'), (2, 'b')")
        with pytest.raises(pg.UniqueViolationError):  # a bug stays an error, not a 503
            async with pool.transaction() as conn:
                await conn.execute("INSERT INTO notes VALUES (3, 'c')")
                await conn.execute("INSERT INTO notes VALUES (1, 'again')")
        assert await _ids(database) == [1, 2]
        with pytest.raises(ZeroDivisionError):  # any error in the block rolls back
            async with pool.transaction() as conn:
                await conn.execute("INSERT INTO notes VALUES (4, 'd')")
                raise ZeroDivisionError
        assert await _ids(database) == [1, 2]
        async with pool.connection() as conn:  # no transaction: the statement commits by itself
            await conn.execute("INSERT INTO notes VALUES (5, 'e')")
        assert await _ids(database) == [1, 2, 5]
    finally:
        await pool.close()


@on_postgres
async def test_the_pool_recovers_from_terminated_connections_by_itself(database: str) -> None:
    """A connection killed while idle is noticed by asyncpg and replaced on acquire; one killed under
    a statement is a 503. Either way the next call works, without a restart."""
    pool = RawPool(database, size=2)
    name = make_url(database).database
    admin = await asyncpg.connect(asyncpg_dsn(postgres_admin_url()))
    try:
        async with pool.connection() as conn:
            await conn.fetchval("SELECT 1")
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await asyncio.sleep(0.2)
        try:
            async with pool.connection() as conn:
                await conn.fetchval("SELECT 1")
        except ServiceUnavailable:
            pass
        async with pool.connection() as conn:
            assert await conn.fetchval("SELECT 1") == 1
        async with pool.connection() as conn:  # killed under a running statement
            with pytest.raises(ServiceUnavailable):
                async with pool.connection() as victim:
                    sleeping = asyncio.ensure_future(victim.fetchval("SELECT pg_sleep(5)"))
                    await asyncio.sleep(0.3)
                    await conn.execute("SELECT pg_terminate_backend($1)", victim.get_server_pid())
                    await sleeping
        async with pool.connection() as conn:
            assert await conn.fetchval("SELECT 1") == 1
    finally:
        await admin.close()
        await pool.close()


@on_postgres
async def test_a_database_refusing_connections_is_a_503(database: str) -> None:
    """What `make fault` does to every service: ALLOW_CONNECTIONS false and the sessions terminated."""
    pool = RawPool(database, size=2)
    name = make_url(database).database
    admin = await asyncpg.connect(asyncpg_dsn(postgres_admin_url()))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        with pytest.raises(ServiceUnavailable):
            async with pool.connection():
                pytest.fail("the database refuses connections")  # pragma: no cover
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        async with pool.transaction() as conn:
            await conn.execute("INSERT INTO notes VALUES (7, 'back')")
        assert await _ids(database) == [7]
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        await admin.close()
        await pool.close()
