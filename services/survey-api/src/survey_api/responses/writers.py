"""Where ingestion writes, on the backend's fastest path.

:class:`~survey_api.responses.service.ResponseIngestion` writes new rows and, for a kiosk, adds to the
kiosk's counters. The rows and the accepted count are written by one statement (:meth:`insert_new`),
so the count of responses a kiosk had accepted can never disagree with the rows stored, whatever
crashes, and a request needs one round trip to the database, not four (BEGIN, INSERT, UPDATE,
COMMIT): with one event loop busy parsing other batches, each round trip also waits its turn. Only a
request with resends takes a second step, which reads the stored body hashes and adds the duplicate
and conflict counts; a crash between the two loses those counts for that request, and the kiosk,
having no acknowledgement, sends it again and has them counted then.

On PostgreSQL the writes are prepared statements on a raw asyncpg connection
(:mod:`survey_api.responses.raw_repository`): per request several hundred microseconds of CPU less
than a SQLAlchemy session (`make bench`, single responses). On SQLite, and inside a caller's own
session (the demo loader), they go through the SQLAlchemy repositories in the session's transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.aggregates.counting import count_rows
from survey_api.kiosks.repository import KioskRepository
from survey_api.models import WEBHOOKS
from survey_api.responses.raw_repository import RawResponseRepository
from survey_api.responses.repository import ResponseRepository
from survey_api.responses.rows import KioskVisit, full_row
from survey_api.webhooks.events import OutboxRows
from zdrav_shared.db import Database
from zdrav_shared.rawdb import RawPool
from zdrav_shared.webhooks.outbox import emit


class IngestionWriter(Protocol):
    async def insert_new(
        self,
        shared: Mapping[str, Any],
        rows: Sequence[dict[str, Any]],
        visit: KioskVisit | None,
        outbox: OutboxRows | None = None,
    ) -> set[str]:
        """Insert the rows whose id is new; the ids stored now, as text.

        ``shared`` holds the ``SHARED_COLUMNS`` of :mod:`survey_api.responses.rows`; each row the other
        columns, its ``id`` as text (rows sorted by it) and ``effective_at`` None when it is
        ``submitted_at`` (see ``full_row``). With ``visit``, the same statement adds the rows stored
        now to the kiosk's accepted count and ``visit.rejected`` to its rejected count, and sets its
        last_seen_at. With ``outbox``, the events it gives for the ids stored now are written in the
        same transaction (webhooks: an event exists exactly when its response does).
        """

    async def body_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """The stored body hash of each of ``ids`` (as text) that exists, by id as text."""

    async def record_kiosk_activity(
        self, kiosk_id: str, seen_at: datetime, accepted: int, duplicate: int, rejected: int
    ) -> None:
        """Add to the kiosk's counters (in SQL, so concurrent batches add up) and set last seen."""


Writers = Callable[[], AbstractAsyncContextManager[IngestionWriter]]
"""``writers()`` yields a writer for one request; each of its writes is atomic by itself."""


class SessionWriter:
    """The writes through the SQLAlchemy repositories, in the session's current transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.responses = ResponseRepository(session)
        self.kiosks = KioskRepository(session)

    async def insert_new(
        self,
        shared: Mapping[str, Any],
        rows: Sequence[dict[str, Any]],
        visit: KioskVisit | None,
        outbox: OutboxRows | None = None,
    ) -> set[str]:
        full = [full_row(shared, row) for row in rows]
        for row in full:  # ingestion's rows carry the id as text; SQLAlchemy's Uuid type binds UUIDs
            row["id"] = UUID(row["id"])
        stored = {str(stored) for stored in await self.responses.insert_new(full)}
        await self.responses.add_counts(count_rows(shared, rows, stored))
        if visit is not None:  # the session's transaction commits both together
            await self.kiosks.record_activity(visit.kiosk_id, visit.seen_at, len(stored), 0, visit.rejected)
        for event in outbox(stored) if outbox is not None else ():
            await emit(
                self.session,
                WEBHOOKS,
                event=event.event,
                subject=event.subject,
                scope=event.scope,
                data=event.data,
                occurred_at=event.occurred_at,
            )
        return stored

    async def body_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        found = await self.responses.body_hashes([UUID(text) for text in ids])
        return {str(stored): body_hash for stored, body_hash in found.items()}

    async def record_kiosk_activity(
        self, kiosk_id: str, seen_at: datetime, accepted: int, duplicate: int, rejected: int
    ) -> None:
        await self.kiosks.record_activity(kiosk_id, seen_at, accepted, duplicate, rejected)


def in_session(session: AsyncSession) -> Writers:
    """Writes inside a session whose transaction the caller owns (and commits)."""

    @asynccontextmanager
    async def writers() -> AsyncIterator[IngestionWriter]:
        yield SessionWriter(session)

    return writers


def session_writers(database: Database) -> Writers:
    """A new session and transaction per request (SQLite, or PostgreSQL without a raw pool)."""

    @asynccontextmanager
    async def writers() -> AsyncIterator[IngestionWriter]:
        async with database.sessionmaker() as session, session.begin():
            yield SessionWriter(session)

    return writers


def raw_writers(pool: RawPool) -> Writers:
    """A pooled asyncpg connection per request, without a transaction: every write is one statement."""

    @asynccontextmanager
    async def writers() -> AsyncIterator[IngestionWriter]:
        async with pool.connection() as connection:
            yield RawResponseRepository(connection)

    return writers
