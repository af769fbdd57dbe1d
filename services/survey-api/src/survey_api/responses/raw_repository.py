"""The SQL of ingestion as prepared asyncpg statements (PostgreSQL only; see ``writers``).

The statements are generated from the ``responses`` table of the models, so a new column cannot be
forgotten here: the migration-drift test keeps models and database in step, and the ingestion tests
run this path on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import asyncpg
import orjson
from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql

from survey_api.models import Kiosk, SurveyResponse

_TABLE = cast(Table, SurveyResponse.__table__)
_COLUMNS = [column.name for column in _TABLE.columns]
_JSON_COLUMNS = frozenset(c.name for c in _TABLE.columns if isinstance(c.type, JSON))


def _type(column: Any) -> str:
    # Without a length: an explicit cast to varchar(n) would silently cut a longer value, where the
    # column's own type makes the insert fail.
    compiled = column.type.compile(dialect=postgresql.dialect())  # type: ignore[no-untyped-call]
    return str(compiled).lower().split("(")[0]


_INSERT_ONE = (
    f"INSERT INTO {_TABLE.name} ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}::{_type(c)}' for i, c in enumerate(_TABLE.columns, start=1))}) "
    "ON CONFLICT (id) DO NOTHING RETURNING id::text"
)
# Many rows travel as one JSON array of row objects: orjson writes a 500-row batch in about a
# microsecond per row, where binding one array per column cost asyncpg's per-element encoders about
# ten (`make bench`, kiosk batches); PostgreSQL parses it as fast as the arrays. The rows come out
# of json_to_recordset in the array's order (sorted by id), so concurrent batches take their row
# locks in the same order and cannot deadlock.
_INSERT_MANY = (
    f"INSERT INTO {_TABLE.name} ({', '.join(_COLUMNS)}) "
    f"SELECT {', '.join(_COLUMNS)} FROM json_to_recordset($1::json) "
    f"AS r({', '.join(f'{c.name} {_type(c)}' for c in _TABLE.columns)}) "
    "ON CONFLICT (id) DO NOTHING RETURNING id::text"
)
_BODY_HASHES = f"SELECT id::text, body_hash FROM {_TABLE.name} WHERE id = ANY($1::uuid[])"
_KIOSK_ACTIVITY = (
    f"UPDATE {Kiosk.__tablename__} SET last_seen_at = $2, accepted_count = accepted_count + $3, "
    "duplicate_count = duplicate_count + $4, rejected_count = rejected_count + $5 WHERE id = $1"
)


def _json_column(value: Any) -> str | None:
    """A JSON column's value as its text, as SQLAlchemy's JSON type would write it."""
    return None if value is None else json.dumps(value)


class RawResponseRepository:
    """Ingestion's writes on one asyncpg connection, inside the caller's transaction."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def insert_new(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        if not rows:
            return set()
        if len(rows) == 1:
            (row,) = rows
            values = (_json_column(row[name]) if name in _JSON_COLUMNS else row[name] for name in _COLUMNS)
            found = await self.connection.fetch(_INSERT_ONE, *values)
        else:
            # Aware datetimes are written with their offset, UUIDs as text, nested answers as JSON.
            found = await self.connection.fetch(_INSERT_MANY, orjson.dumps(rows).decode())
        return {record[0] for record in found}

    async def body_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        return {record[0]: record[1] for record in await self.connection.fetch(_BODY_HASHES, list(ids))}

    async def record_kiosk_activity(
        self, kiosk_id: str, seen_at: datetime, accepted: int, duplicate: int, rejected: int
    ) -> None:
        await self.connection.execute(_KIOSK_ACTIVITY, kiosk_id, seen_at, accepted, duplicate, rejected)
