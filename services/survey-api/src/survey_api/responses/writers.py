"""Where ingestion writes: one transaction per request, on the backend's fastest path.

:class:`~survey_api.responses.service.ResponseIngestion` needs three writes in one transaction
(new rows, the body hashes of ids stored before, the kiosk's counters) so that a kiosk's counts and
its stored responses can never disagree, whatever crashes. On PostgreSQL they run as prepared
statements on a raw asyncpg connection (:mod:`survey_api.responses.raw_repository`): per request
that is several hundred microseconds of CPU less than a SQLAlchemy session (`make bench`, single
responses). On SQLite, and inside a caller's own session (the demo loader), they go through the
SQLAlchemy repositories.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.kiosks.repository import KioskRepository
from survey_api.responses.raw_repository import RawResponseRepository
from survey_api.responses.repository import ResponseRepository
from zdrav_shared.db import Database
from zdrav_shared.rawdb import RawPool


class IngestionWriter(Protocol):
    async def insert_new(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert the rows (their ``id`` as text, sorted) whose id is new; the ids stored now, as text."""

    async def body_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """The stored body hash of each of ``ids`` (as text) that exists, by id as text."""

    async def record_kiosk_activity(
        self, kiosk_id: str, seen_at: datetime, accepted: int, duplicate: int, rejected: int
    ) -> None:
        """Add to the kiosk's counters (in SQL, so concurrent batches add up) and set last seen."""


WriterTransaction = Callable[[bool], AbstractAsyncContextManager[IngestionWriter]]
"""``transaction(atomic)`` yields a writer; with ``atomic`` its writes commit together when the block
ends (rolled back on error). Without, each write may commit alone: for a block whose only write is
one statement (a response insert: a single statement is atomic by itself)."""


class SessionWriter:
    """The writes through the SQLAlchemy repositories, in the session's current transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.responses = ResponseRepository(session)
        self.kiosks = KioskRepository(session)

    async def insert_new(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        # Ingestion's rows carry the id as text; SQLAlchemy's Uuid type binds UUID objects.
        as_uuids = [{**row, "id": UUID(row["id"])} for row in rows]
        return {str(stored) for stored in await self.responses.insert_new(as_uuids)}

    async def body_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        found = await self.responses.body_hashes([UUID(text) for text in ids])
        return {str(stored): body_hash for stored, body_hash in found.items()}

    async def record_kiosk_activity(
        self, kiosk_id: str, seen_at: datetime, accepted: int, duplicate: int, rejected: int
    ) -> None:
        await self.kiosks.record_activity(kiosk_id, seen_at, accepted, duplicate, rejected)


def in_session(session: AsyncSession) -> WriterTransaction:
    """Writes inside a session whose transaction the caller owns (and commits)."""

    @asynccontextmanager
    async def transaction(atomic: bool) -> AsyncIterator[IngestionWriter]:
        yield SessionWriter(session)

    return transaction


def session_transactions(database: Database) -> WriterTransaction:
    """A new session and transaction per request (SQLite, or PostgreSQL without a raw pool)."""

    @asynccontextmanager
    async def transaction(atomic: bool) -> AsyncIterator[IngestionWriter]:
        async with database.sessionmaker() as session, session.begin():
            yield SessionWriter(session)

    return transaction


def raw_transactions(pool: RawPool) -> WriterTransaction:
    """A pooled asyncpg connection and transaction per request (PostgreSQL)."""

    @asynccontextmanager
    async def transaction(atomic: bool) -> AsyncIterator[IngestionWriter]:
        async with pool.transaction() if atomic else pool.connection() as connection:
            yield RawResponseRepository(connection)

    return transaction
