"""A plain asyncpg pool beside the SQLAlchemy engine, for the few hot write paths on PostgreSQL.

Why: SQLAlchemy's async session costs several hundred microseconds of CPU per request (session and
transaction state, compiling, result processing, the greenlet bridge) — in `make bench` a single
survey response spent more CPU in that layer than in everything it does itself. A path that runs a
handful of fixed statements per request can use prepared statements on a raw asyncpg connection
instead. Everything else keeps the engine, its migrations and its models.

The pool opens no connection until it is first used (a service starts, and reports not-ready,
while the database is down) and drops broken connections by itself, so it recovers from a database
restart like the engine does. Errors meaning "the database is not available" (refused or dropped
connections, a server shutting down or starting up, no free connection within the acquire timeout)
become a 503 problem, as they do on the engine's path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from zdrav_shared.logging import get_logger
from zdrav_shared.problems import ServiceUnavailable, is_unavailable_error

log = get_logger(__name__)


def asyncpg_dsn(url: str) -> str:
    """``postgresql+asyncpg://…`` (SQLAlchemy) → ``postgresql://…`` (libpq form asyncpg reads)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


DRIVER_ERRORS = (OSError, asyncpg.InterfaceError, asyncpg.InternalClientError, asyncpg.PostgresError)


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that mean the database cannot be reached or is not serving right now."""
    if isinstance(exc, OSError | asyncpg.InterfaceError | asyncpg.InternalClientError):
        # OSError: a refused or reset connection, a timeout; InterfaceError: a connection closed under
        # us (ConnectionDoesNotExistError) or a pool being closed; InternalClientError: a statement sent
        # on a connection the server was terminating at that moment ("cannot switch to state …").
        return True
    return is_unavailable_error(exc)


def _unavailable(exc: BaseException) -> ServiceUnavailable:
    log.warning("database_unavailable", error=type(exc).__name__)
    return ServiceUnavailable("the database is not reachable; retry later")


async def _rollback_if_open(connection: asyncpg.Connection) -> None:
    """Reset on release: end a transaction left open (a cancelled request), nothing else.

    asyncpg's default reset runs ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` — a
    round trip on every release, ~3 % of a single-response request. This pool's users take no
    advisory locks, open no cursors across requests, LISTEN to nothing and SET nothing."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


class RawPool:
    """A lazily connecting asyncpg pool of at most ``size`` connections."""

    def __init__(
        self,
        url: str,
        *,
        size: int = 20,
        connect_timeout_s: float = 5.0,
        acquire_timeout_s: float = 5.0,
        statement_timeout_ms: int = 30_000,
        pgbouncer: bool = False,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self._pgbouncer = pgbouncer
        self._size = size
        self._connect_timeout_s = connect_timeout_s
        self._acquire_timeout_s = acquire_timeout_s
        self._statement_timeout_ms = statement_timeout_ms
        self._pool: asyncpg.Pool | None = None
        self._creating = asyncio.Lock()

    async def _get_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._creating:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=0,
                        max_size=self._size,
                        timeout=self._connect_timeout_s,
                        command_timeout=self._statement_timeout_ms / 1000 + 5,
                        max_inactive_connection_lifetime=300,
                        reset=_rollback_if_open,
                        **self._statement_options(),
                    )
        return self._pool

    def _statement_options(self) -> dict[str, Any]:
        """Prepared statements, cached per connection (one round trip per statement once warm) —
        or, behind PgBouncer in transaction mode, unnamed statements parsed again with every
        execution, since the next statement may run on another server connection (see
        :func:`zdrav_shared.db.pgbouncer_connect_args`; the cost is in docs/benchmarks.md)."""
        if self._pgbouncer:
            return {"statement_cache_size": 0}
        return {"server_settings": {"statement_timeout": str(self._statement_timeout_ms)}}

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection inside a transaction: committed when the block ends, rolled back on error.
        Unavailability becomes :class:`ServiceUnavailable` (503 with Retry-After)."""
        async with self.connection() as connection, connection.transaction():
            yield connection

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection without a transaction: each statement commits on its own — for a block whose
        only write is one statement (BEGIN and COMMIT would be two more round trips)."""
        try:
            pool = await self._get_pool()
            connection = await pool.acquire(timeout=self._acquire_timeout_s)
        except DRIVER_ERRORS as exc:
            # Whatever keeps us from a connection (refused, too many clients, a database not accepting
            # connections, no free connection in time) means "not available now", not a bug.
            raise _unavailable(exc) from exc
        try:
            yield connection
        except DRIVER_ERRORS as exc:
            if is_unavailable(exc):
                raise _unavailable(exc) from exc
            raise
        finally:
            try:
                await pool.release(connection)
            except DRIVER_ERRORS as exc:  # the reset failed: asyncpg has dropped the connection already
                log.warning("database_connection_dropped", error=type(exc).__name__)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), timeout=5)
            except (TimeoutError, OSError):  # connections stuck on a dead server: drop them
                pool.terminate()
