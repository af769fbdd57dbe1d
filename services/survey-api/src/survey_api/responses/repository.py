"""Response ingestion's SQL through the SQLAlchemy session: SQLite, and the demo loader's own session.
PostgreSQL ingestion uses the prepared statements of ``raw_repository``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.common import insert_ignoring_conflicts
from survey_api.models import SurveyResponse

_TABLE = SurveyResponse.__table__


class ResponseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_new(self, rows: Sequence[dict[str, Any]]) -> set[UUID]:
        """Insert the rows whose id is new, in one multi-row ``INSERT … ON CONFLICT (id) DO NOTHING
        RETURNING id``; the ids returned are the rows stored now.

        Rows must come sorted by id: concurrent batches then take their row locks in the same
        order and cannot deadlock. This is the SQLite path (and the demo loader's); PostgreSQL
        ingestion goes through ``raw_repository`` (prepared asyncpg statements, rows as one JSON document).
        """
        if not rows:
            return set()
        dialect = self.session.get_bind().dialect.name
        statement = insert_ignoring_conflicts(dialect, _TABLE, ["id"]).returning(_TABLE.c.id)
        result = await self.session.execute(statement, list(rows))
        return {UUID(str(value)) if not isinstance(value, UUID) else value for value in result.scalars()}

    async def body_hashes(self, ids: Sequence[UUID]) -> dict[UUID, str]:
        if not ids:
            return {}
        query = select(_TABLE.c.id, _TABLE.c.body_hash).where(_TABLE.c.id.in_(list(ids)))
        return {row_id: body_hash for row_id, body_hash in (await self.session.execute(query)).all()}
