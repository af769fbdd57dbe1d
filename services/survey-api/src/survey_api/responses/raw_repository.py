"""The SQL of ingestion as prepared asyncpg statements (PostgreSQL only; see ``writers``).

The statements are generated from the ``responses`` table of the models, so a new column cannot be
forgotten here: the migration-drift test keeps models and database in step, and the ingestion tests
run this path on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import asyncpg
import orjson
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql

from survey_api.aggregates.counting import KEY_COLUMNS, measures_sql, on_conflict_add, stripe_sql
from survey_api.models import COUNT_COLUMNS, WEBHOOKS, Kiosk, ResponseCount, ResponseId, SurveyResponse
from survey_api.responses.rows import SHARED_COLUMNS, KioskVisit
from survey_api.webhooks.events import OutboxRows

_TABLE = cast(Table, SurveyResponse.__table__)
_IDS = cast(Table, ResponseId.__table__)
_COUNTS = cast(Table, ResponseCount.__table__)
_COLUMNS = [column.name for column in _TABLE.columns]
_COUNTED = ("quarter", "month", *(f"sat{slot}" for slot in range(1, 6)), "nps", "screened_out")
"""What the counts of aggregates are made of: returned by the insert for the counts' insert."""


def _type(column: Any) -> str:
    # Without a length: an explicit cast to varchar(n) would silently cut a longer value, where the
    # column's own type makes the insert fail.
    compiled = column.type.compile(dialect=postgresql.dialect())  # type: ignore[no-untyped-call]
    return str(compiled).lower().split("(")[0]


# Rows travel as one JSON array of row objects, one row or a batch alike: orjson writes a 500-row
# batch in about a microsecond per row, where binding one array per column cost asyncpg's
# per-element encoders about ten (`make bench`, kiosk batches). The columns a request's rows share
# are parameters, not JSON, and ``effective_at`` is null when it equals ``submitted_at`` (nearly
# always): PostgreSQL then parses a third less per row. The rows come out of json_to_recordset in
# the array's order (sorted by id), so concurrent batches take their row locks in the same order and
# cannot deadlock.
_PER_ROW = [column for column in _TABLE.columns if column.name not in SHARED_COLUMNS]


def _select_item(name: str) -> str:
    if name in SHARED_COLUMNS:
        position = SHARED_COLUMNS.index(name) + 2
        return f"${position}::{_type(_TABLE.columns[name])}"
    if name == "effective_at":
        return "coalesce(r.effective_at, r.submitted_at)"
    return f"r.{name}"


_ROWS = (
    f"rows AS (SELECT * FROM json_to_recordset($1::json) AS r({', '.join(f'{c.name} {_type(c)}' for c in _PER_ROW)}))"
)
_CLAIM_FRESH = (
    f"claimed AS (INSERT INTO {_IDS.name} (id, body_hash, quarter) SELECT id, body_hash, quarter FROM rows "
    "RETURNING id)"
)
_CLAIM = _CLAIM_FRESH.replace(" RETURNING", " ON CONFLICT (id) DO NOTHING RETURNING")
_STORE = (
    f"stored AS (INSERT INTO {_TABLE.name} ({', '.join(_COLUMNS)}) "
    f"SELECT {', '.join(_select_item(name) for name in _COLUMNS)} FROM rows AS r{{where}} "
    f"RETURNING id, {', '.join(_COUNTED)})"
)
# What the rows stored now add to the counts of aggregates (aggregates.counting), in the same
# statement: one row per (quarter, month) of the request, in key order (concurrent requests lock
# count rows in the same order; every id lock is taken before, as the GROUP BY reads all of stored),
# in this connection's stripe (``counting.STRIPES``: concurrent writers of one unit do not queue).
_COUNT = (
    f"counted AS (INSERT INTO {_COUNTS.name} ({', '.join(KEY_COLUMNS)}, stripe, {', '.join(COUNT_COLUMNS)}) "
    f"SELECT {', '.join(_select_item(c) if c in SHARED_COLUMNS else c for c in KEY_COLUMNS)}, "
    f"{stripe_sql('postgresql')}, "
    f"{', '.join(measures_sql())} FROM stored GROUP BY quarter, month ORDER BY quarter, month "
    f"{on_conflict_add()})"
)
# A request's ids are claimed in ``response_ids`` first (the idempotency key across the quarter
# partitions of ``responses``, docs/scaling.md) and rows stored for the ids claimed now. A batch is
# first claimed as if all its ids were new (nearly always so): a plain INSERT costs PostgreSQL about
# an eighth less per row than ON CONFLICT's speculative insertion. A batch holding an id stored
# before fails as a whole (one statement: nothing of it is written, kiosk counters and counts
# included) and is inserted again with ON CONFLICT DO NOTHING, storing the rows of the ids it
# claimed. Resent batches therefore leave a unique-violation line in PostgreSQL's log; that is
# expected (docs/operations.md).
_WRITES = {
    True: f"{_ROWS}, {_CLAIM_FRESH}, {_STORE.format(where='')}, {_COUNT}",
    False: f"{_ROWS}, {_CLAIM}, {_STORE.format(where=' WHERE r.id IN (SELECT id FROM claimed)')}, {_COUNT}",
}


_PARAMETERS = 1 + len(SHARED_COLUMNS)  # the rows' JSON, then the shared columns


def _events(parameter: int) -> str:
    """The outbox events of the rows stored now (zdrav_shared.webhooks.outbox.emit's row, in the same
    statement): the request's candidate events — one per detractor, built in Python so that their
    payloads are what the SQLAlchemy path writes — travel as one JSON array, and only those whose
    response was stored now are written (a resend emits nothing again)."""
    return (
        f", events AS (INSERT INTO {WEBHOOKS.events.name} (event, subject, scope, payload, occurred_at, fanned_out) "
        "SELECT e.event, e.subject, e.scope, e.payload, e.occurred_at, false "
        f"FROM json_to_recordset(${parameter}::json) AS e(id uuid, event text, subject text, scope json, payload json, "
        "occurred_at timestamptz) WHERE e.id IN (SELECT id FROM stored) ORDER BY e.id)"
    )


def _stored_ids(writes: str, visiting: bool, eventing: bool) -> str:
    """``writes`` answering with the ids it stored as one text array, or NULL when it stored all the
    rows (nearly always: no 500 ids to send back and decode); their count is the next parameter.
    With ``visiting``, the kiosk's counters are updated in the same statement (one round trip,
    atomic by itself): its id, last seen and rejected count are the three parameters after that.
    With ``eventing``, the outbox events of the stored rows too (:func:`_events`), from the last
    parameter."""
    count, kiosk = _PARAMETERS + 1, _PARAMETERS + 2
    kiosks = cast(Table, Kiosk.__table__)
    counters = (
        f", visit AS (UPDATE {kiosks.name} SET last_seen_at = ${kiosk + 1}::{_type(kiosks.c.last_seen_at)}, "
        "accepted_count = accepted_count + (SELECT count(*) FROM stored), "
        f"rejected_count = rejected_count + ${kiosk + 2}::integer WHERE id = ${kiosk}::{_type(kiosks.c.id)})"
        if visiting
        else ""
    )
    events = _events(kiosk + 3 if visiting else kiosk) if eventing else ""
    return (
        f"WITH {writes}{counters}{events} "
        # coalesce: none stored (a whole batch resent) is an empty array, not the NULL of "all".
        f"SELECT CASE WHEN count(*) = ${count}::integer THEN NULL "
        "ELSE coalesce(array_agg(id::text), '{}') END FROM stored"
    )


_STATEMENTS = {
    (fresh, visiting, eventing): _stored_ids(_WRITES[fresh], visiting, eventing)
    for fresh in (False, True)
    for visiting in (False, True)
    for eventing in (False, True)
}
"""By (all ids taken for new, with a kiosk visit, with outbox events)."""
_BODY_HASHES = f"SELECT id::text, body_hash FROM {_IDS.name} WHERE id = ANY($1::uuid[])"
_KIOSK_ACTIVITY = (
    f"UPDATE {Kiosk.__tablename__} SET last_seen_at = $2, accepted_count = accepted_count + $3, "
    "duplicate_count = duplicate_count + $4, rejected_count = rejected_count + $5 WHERE id = $1"
)


class RawResponseRepository:
    """Ingestion's writes on one asyncpg connection, each one statement."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def insert_new(
        self,
        shared: Mapping[str, Any],
        rows: Sequence[dict[str, Any]],
        visit: KioskVisit | None,
        outbox: OutboxRows | None = None,
    ) -> set[str]:
        if not rows and visit is None:
            return set()
        # Aware datetimes are written with their offset, nested answers as JSON.
        values = [orjson.dumps(rows).decode(), *(shared[name] for name in SHARED_COLUMNS), len(rows)]
        if visit is not None:
            values += [visit.kiosk_id, visit.seen_at, visit.rejected]
        # Events only with detractors among the rows; written by the same statement, for the rows it stores.
        candidates = outbox({str(row["id"]) for row in rows}) if outbox is not None else []
        if candidates:
            values.append(
                orjson.dumps(
                    [
                        {
                            "id": e.data["response_id"],
                            "event": e.event,
                            "subject": e.subject,
                            "scope": e.scope,
                            "payload": e.data,
                            "occurred_at": e.occurred_at,
                        }
                        for e in candidates
                    ]
                ).decode()
            )
        key = (visit is not None, bool(candidates))
        stored: list[str] | None
        if len(rows) > 1:  # a batch: first as if every id were new (see _WRITES)
            try:
                stored = await self.connection.fetchval(_STATEMENTS[True, *key], *values)
            except asyncpg.UniqueViolationError:
                stored = await self.connection.fetchval(_STATEMENTS[False, *key], *values)
        else:  # one response: resent as often as not by forms and operators, so ON CONFLICT at once
            stored = await self.connection.fetchval(_STATEMENTS[False, *key], *values)
        return {row["id"] for row in rows} if stored is None else set(stored)

    async def body_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        return {record[0]: record[1] for record in await self.connection.fetch(_BODY_HASHES, list(ids))}

    async def record_kiosk_activity(
        self, kiosk_id: str, seen_at: datetime, accepted: int, duplicate: int, rejected: int
    ) -> None:
        await self.connection.execute(_KIOSK_ACTIVITY, kiosk_id, seen_at, accepted, duplicate, rejected)
