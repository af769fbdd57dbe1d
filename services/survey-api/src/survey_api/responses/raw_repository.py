"""The SQL of ingestion as prepared asyncpg statements (PostgreSQL only; see ``writers``).

The statements are generated from the ``responses`` table of the models, so a new column cannot be
forgotten here: the migration-drift test keeps models and database in step, and the ingestion tests
run this path on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import asyncpg
import orjson
from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql

from survey_api.models import Kiosk, SurveyResponse
from survey_api.responses.rows import SHARED_COLUMNS, KioskVisit, full_row

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
    "ON CONFLICT (id) DO NOTHING"
)
# Many rows travel as one JSON array of row objects: orjson writes a 500-row batch in about a
# microsecond per row, where binding one array per column cost asyncpg's per-element encoders about
# ten (`make bench`, kiosk batches). The columns a request's rows share are parameters, not JSON,
# and ``effective_at`` is null when it equals ``submitted_at`` (nearly always): PostgreSQL then
# parses a third less per row. The rows come out of json_to_recordset in the array's order (sorted
# by id), so concurrent batches take their row locks in the same order and cannot deadlock.
_PER_ROW = [column for column in _TABLE.columns if column.name not in SHARED_COLUMNS]


def _select_item(name: str) -> str:
    if name in SHARED_COLUMNS:
        position = SHARED_COLUMNS.index(name) + 2
        return f"${position}::{_type(_TABLE.columns[name])}"
    if name == "effective_at":
        return "coalesce(r.effective_at, r.submitted_at)"
    return f"r.{name}"


_INSERT_MANY_FRESH = (
    f"INSERT INTO {_TABLE.name} ({', '.join(_COLUMNS)}) "
    f"SELECT {', '.join(_select_item(name) for name in _COLUMNS)} FROM json_to_recordset($1::json) "
    f"AS r({', '.join(f'{c.name} {_type(c)}' for c in _PER_ROW)})"
)
_INSERT_MANY = f"{_INSERT_MANY_FRESH} ON CONFLICT (id) DO NOTHING"
# A batch is first inserted as if all its ids were new (nearly always so): a plain INSERT costs
# PostgreSQL about an eighth less per row than ON CONFLICT's speculative insertion. A batch holding
# an id stored before fails as a whole (one statement: nothing of it is written, kiosk counters
# included) and is inserted again with ON CONFLICT DO NOTHING. Resent batches therefore leave a
# unique-violation line in PostgreSQL's log; that is expected (docs/operations.md).


def _stored_ids(insert: str, count: int, visit: int | None) -> str:
    """``insert`` answering with the ids it stored as one text array, or NULL when it stored all
    ``$count`` rows (nearly always: no 500 rows to send back and decode). With ``visit``, the
    kiosk's counters are updated in the same statement (one round trip, atomic by itself): its id,
    last seen and rejected count are parameters ``visit`` … ``visit + 2``."""
    kiosks = cast(Table, Kiosk.__table__)
    counters = (
        f", visit AS (UPDATE {kiosks.name} SET last_seen_at = ${visit + 1}::{_type(kiosks.c.last_seen_at)}, "
        "accepted_count = accepted_count + (SELECT count(*) FROM stored), "
        f"rejected_count = rejected_count + ${visit + 2}::integer WHERE id = ${visit}::{_type(kiosks.c.id)})"
        if visit is not None
        else ""
    )
    return (
        f"WITH stored AS ({insert} RETURNING id){counters} "
        # coalesce: none stored (a whole batch resent) is an empty array, not the NULL of "all".
        f"SELECT CASE WHEN count(*) = ${count}::integer THEN NULL "
        "ELSE coalesce(array_agg(id::text), '{}') END FROM stored"
    )


_ONE, _MANY = len(_COLUMNS), 1 + len(SHARED_COLUMNS)  # parameters of each insert
_STATEMENTS = {
    (False, False): _stored_ids(_INSERT_ONE, _ONE + 1, None),
    (False, True): _stored_ids(_INSERT_ONE, _ONE + 1, _ONE + 2),
    (True, False): _stored_ids(_INSERT_MANY, _MANY + 1, None),
    (True, True): _stored_ids(_INSERT_MANY, _MANY + 1, _MANY + 2),
}
"""By (many rows, with a kiosk visit)."""
_FRESH_STATEMENTS = {
    False: _stored_ids(_INSERT_MANY_FRESH, _MANY + 1, None),
    True: _stored_ids(_INSERT_MANY_FRESH, _MANY + 1, _MANY + 2),
}
"""Many rows, all new, by whether with a kiosk visit."""
_BODY_HASHES = f"SELECT id::text, body_hash FROM {_TABLE.name} WHERE id = ANY($1::uuid[])"
_KIOSK_ACTIVITY = (
    f"UPDATE {Kiosk.__tablename__} SET last_seen_at = $2, accepted_count = accepted_count + $3, "
    "duplicate_count = duplicate_count + $4, rejected_count = rejected_count + $5 WHERE id = $1"
)


def _json_column(value: Any) -> str | None:
    """A JSON column's value as its text, as SQLAlchemy's JSON type would write it."""
    return None if value is None else json.dumps(value)


class RawResponseRepository:
    """Ingestion's writes on one asyncpg connection, each one statement."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def insert_new(
        self, shared: Mapping[str, Any], rows: Sequence[dict[str, Any]], visit: KioskVisit | None
    ) -> set[str]:
        if len(rows) == 1:
            row = full_row(shared, rows[0])
            values = [_json_column(row[name]) if name in _JSON_COLUMNS else row[name] for name in _COLUMNS]
        else:
            # Aware datetimes are written with their offset, nested answers as JSON.
            values = [orjson.dumps(rows).decode(), *(shared[name] for name in SHARED_COLUMNS)]
        values.append(len(rows))
        if visit is not None:
            values += [visit.kiosk_id, visit.seen_at, visit.rejected]
        elif not rows:
            return set()
        many, visiting = len(rows) != 1, visit is not None
        stored: list[str] | None
        if many:
            try:
                stored = await self.connection.fetchval(_FRESH_STATEMENTS[visiting], *values)
            except asyncpg.UniqueViolationError:  # a resend: see _INSERT_MANY_FRESH
                stored = await self.connection.fetchval(_STATEMENTS[many, visiting], *values)
        else:
            stored = await self.connection.fetchval(_STATEMENTS[many, visiting], *values)
        return {row["id"] for row in rows} if stored is None else set(stored)

    async def body_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        return {record[0]: record[1] for record in await self.connection.fetch(_BODY_HASHES, list(ids))}

    async def record_kiosk_activity(
        self, kiosk_id: str, seen_at: datetime, accepted: int, duplicate: int, rejected: int
    ) -> None:
        await self.connection.execute(_KIOSK_ACTIVITY, kiosk_id, seen_at, accepted, duplicate, rejected)
