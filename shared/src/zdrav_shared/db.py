"""Database plumbing: the engine and sessionmaker owned by the app lifespan, and one session per
request committed once, before the response is sent, and rolled back on error.

One SQLAlchemy code path serves SQLite (aiosqlite, the embedded default) and PostgreSQL (asyncpg).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite connection waits for another's write lock (``PRAGMA busy_timeout``)."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    pool_size: int = 20,
    connect_timeout_s: float = 5.0,
    pre_ping: bool = False,
    statement_timeout_ms: int = 30_000,
    pgbouncer: bool = False,
) -> AsyncEngine:
    """An async engine tuned for the backend behind ``url``; ``pgbouncer``: see :func:`pgbouncer_connect_args`."""
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            # Foreign keys are off by default in SQLite; WAL lets readers run beside one writer.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size // 2,
        # A short pool wait and connect timeout make requests fail fast (503) while the database is
        # down, instead of piling up. No pre-ping by default: it costs round trips on every
        # checkout (18 % of a single-response request in `make bench`), and SQLAlchemy already
        # invalidates the whole pool on the first disconnect error, so a database restart costs one
        # failed (503) request per process, after which fresh connections are made.
        pool_timeout=5,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        connect_args={
            "timeout": connect_timeout_s,
            "command_timeout": statement_timeout_ms / 1000 + 5,
            **(
                pgbouncer_connect_args()
                if pgbouncer
                else {"server_settings": {"statement_timeout": str(statement_timeout_ms)}}
            ),
        },
    )


def pgbouncer_connect_args() -> dict[str, Any]:
    """asyncpg through PgBouncer in transaction mode, where consecutive transactions of one client
    connection may run on different server connections, and one server connection serves many
    clients: a named prepared statement may be missing on the next server, or exist there already
    under the same name from another client (``prepared statement "__asyncpg_stmt_5__" does not
    exist``). So every statement is *unnamed*:

    - asyncpg's statement cache is off: its statements are unnamed and parsed again in the same
      message sequence as their Bind/Execute/Sync, so nothing is left on the server;
    - SQLAlchemy's dialect prepares every statement itself: its cache is off too, and its name
      function gives the empty name — the unnamed statement, which the next one replaces. (Unique
      names, as SQLAlchemy's documentation suggests, also work, but each leaves its statement on
      whichever server connection it ran on: 2,760 of them on three server connections after 1,000
      short requests through PgBouncer 1.18, where unnamed ones left none);
    - no ``statement_timeout`` in the startup packet: PgBouncer refuses unknown startup parameters.
      Set it on the server side instead (``ALTER ROLE … SET statement_timeout``, or PgBouncer's
      ``connect_query``); asyncpg's ``command_timeout`` still bounds every statement from here.

    The price is a parse and plan of every statement (measured in docs/benchmarks.md)."""
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _unnamed_statement,
    }


def _unnamed_statement() -> str:
    return ""


class Database:
    """The engine and sessionmaker of one service process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_engine(url, **kwargs))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def current_revision(self) -> str | None:
        """The Alembic revision the database is at, or None before the first migration."""
        try:
            async with self.engine.connect() as conn:
                row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
        except Exception:  # no table yet, or the database went away since the ping
            return None
        return str(row[0]) if row else None

    async def dispose(self) -> None:
        await self.engine.dispose()


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: the request's session. :class:`CommittingRoute` commits it."""
    database: Database = request.app.state.db
    async with database.sessionmaker() as session:
        request.state.db_session = session
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise


class CommittingRoute(APIRoute):
    """Commits the request's session after the handler returned and before the response is sent.

    Committing before sending means a client never sees a success for a write that then failed to
    commit: a commit error becomes the request's (problem) answer instead.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def commit_then_respond(request: Request) -> Response:
            response = await handler(request)
            session: AsyncSession | None = getattr(request.state, "db_session", None)
            if session is not None and session.in_transaction():
                await session.commit()
            return response

        return commit_then_respond
