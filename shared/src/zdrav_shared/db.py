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


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    pool_size: int = 20,
    connect_timeout_s: float = 5.0,
    pre_ping: bool = False,
    statement_timeout_ms: int = 30_000,
) -> AsyncEngine:
    """An async engine tuned for the backend behind ``url``."""
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            # Foreign keys are off by default in SQLite; WAL lets readers run beside one writer.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
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
            "server_settings": {"statement_timeout": str(statement_timeout_ms)},
        },
    )


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
