"""Response ingestion's SQL through the SQLAlchemy session: SQLite, and the demo loader's own session.
PostgreSQL ingestion uses the prepared statements of ``raw_repository``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.aggregates.counting import add_counts_statement
from survey_api.common import insert_ignoring_conflicts
from survey_api.models import ResponseId, SurveyResponse

_TABLE = cast(Table, SurveyResponse.__table__)
_IDS = cast(Table, ResponseId.__table__)


class ResponseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_new(self, rows: Sequence[dict[str, Any]]) -> set[UUID]:
        """Store the rows whose id is new; the ids returned are the rows stored now.

        The ids are claimed first in ``response_ids`` (one multi-row ``INSERT … ON CONFLICT (id) DO
        NOTHING RETURNING id``: the idempotency key, whatever quarter a row falls in), then the rows
        of the ids claimed are inserted, in the session's transaction. Rows must come sorted by id:
        concurrent batches then take their row locks in the same order and cannot deadlock. This is
        the SQLite path (and the demo loader's); PostgreSQL ingestion goes through ``raw_repository``.
        """
        if not rows:
            return set()
        dialect = self.session.get_bind().dialect.name
        claim = insert_ignoring_conflicts(dialect, _IDS, ["id"]).returning(_IDS.c.id)
        claims = [{"id": row["id"], "body_hash": row["body_hash"], "quarter": row["quarter"]} for row in rows]
        result = await self.session.execute(claim, claims)
        claimed = {UUID(str(value)) if not isinstance(value, UUID) else value for value in result.scalars()}
        fresh = [row for row in rows if row["id"] in claimed]
        if fresh:
            await self.session.execute(_TABLE.insert(), fresh)
        return claimed

    async def add_counts(self, counts: Sequence[dict[str, Any]]) -> None:
        """Add to the counts of aggregates (``aggregates.counting``), in the session's transaction."""
        if counts:
            dialect = self.session.get_bind().dialect.name
            await self.session.execute(add_counts_statement(dialect), list(counts))

    async def body_hashes(self, ids: Sequence[UUID]) -> dict[UUID, str]:
        if not ids:
            return {}
        query = select(_IDS.c.id, _IDS.c.body_hash).where(_IDS.c.id.in_(list(ids)))
        return {row_id: body_hash for row_id, body_hash in (await self.session.execute(query)).all()}
