"""All SQL of response ingestion."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.common import insert_ignoring_conflicts
from survey_api.models import SurveyResponse

_TABLE = SurveyResponse.__table__
_COLUMNS = [column.name for column in _TABLE.columns]


def _array_type(column: Any) -> str:
    compiled = str(column.type.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    return "json" if compiled == "JSON" else compiled


_UNNEST_INSERT = text(
    f"INSERT INTO {SurveyResponse.__tablename__} ({', '.join(_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'CAST(:{c.name} AS {_array_type(c)}[])' for c in _TABLE.columns)}) "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)


class ResponseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_new(self, rows: Sequence[dict[str, Any]]) -> set[UUID]:
        """Insert the rows whose id is new, in one multi-row ``INSERT … ON CONFLICT (id) DO NOTHING
        RETURNING id``; the ids returned are the rows stored now.

        Rows must come sorted by id: concurrent batches then take their row locks in the same
        order and cannot deadlock on PostgreSQL.
        """
        if not rows:
            return set()
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql" and len(rows) > 1:
            # One array per column instead of 22 parameters per row: PostgreSQL parses and plans a
            # fixed 22-parameter statement instead of a VALUES list of up to 22,000, and SQLAlchemy
            # has no per-row parameters to process (make bench: batch ingestion). unnest keeps the
            # id order, so row locks are still taken in that order.
            columns = {name: [row[name] for row in rows] for name in _COLUMNS}
            # What the JSON column type would write (the engine's default serializer).
            columns["answers"] = [json.dumps(value) for value in columns["answers"]]
            result = await self.session.execute(_UNNEST_INSERT, columns)
        else:
            statement = insert_ignoring_conflicts(dialect, _TABLE, ["id"]).returning(_TABLE.c.id)
            result = await self.session.execute(statement, list(rows))
        return {UUID(str(value)) if not isinstance(value, UUID) else value for value in result.scalars()}

    async def body_hashes(self, ids: Sequence[UUID]) -> dict[UUID, str]:
        if not ids:
            return {}
        query = select(_TABLE.c.id, _TABLE.c.body_hash).where(_TABLE.c.id.in_(list(ids)))
        return {row_id: body_hash for row_id, body_hash in (await self.session.execute(query)).all()}
