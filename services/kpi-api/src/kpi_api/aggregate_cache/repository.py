"""The cached aggregates: read on the request's (possibly replica) session, written on the primary in a
short transaction of its own that never waits long for a lock (a cache that cannot be written now is
simply not written)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.analytics.repository import Aggregate, Window
from kpi_api.models import CachedAggregate
from zdrav_shared.db import SQLITE_BUSY_TIMEOUT_MS

CHUNK = 1000  # rows a statement: 12 parameters each stay below asyncpg's 32,767
LOCK_WAIT_MS = 200
_CACHE = cast(Table, CachedAggregate.__table__)
KEY_COLUMNS = ("indicator_id", "root_id", "year", "first_month", "last_month", "statuses", "methods")


@dataclass(frozen=True, slots=True)
class Key:
    """What a request asks of the cache besides the indicator and the root."""

    window: Window
    statuses: str


class Entry(NamedTuple):
    """A cached figure as read (a NamedTuple: thousands an answer)."""

    methods: str
    generation: int
    aggregate: Aggregate | None  # None: no value in the subtree


def _decimal(text_value: str | None) -> Decimal | None:
    return None if text_value is None else Decimal(text_value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


async def load(
    session: AsyncSession, key: Key, indicator_ids: Sequence[int], root_ids: Sequence[int]
) -> dict[tuple[int, int, str], Entry]:
    """The cached figures of the indicators × roots in the window by (indicator, root, methods), whatever
    their generation (rows of an indicator's earlier definition have other methods)."""
    c = _CACHE.c
    # Core on the session's connection: the ORM's statement and result handling was half this read's cost
    # for the thousands of rows of an answer.
    connection = await session.connection()
    result = await connection.execute(
        select(c.indicator_id, c.root_id, c.methods, c.generation, c.units, c.value, c.numerator, c.denominator).where(
            c.indicator_id.in_(sorted(set(indicator_ids))),
            c.root_id.in_(sorted(set(root_ids))),
            c.year == key.window.year,
            c.first_month == key.window.first_month,
            c.last_month == key.window.last_month,
            c.statuses == key.statuses,
        )
    )
    found: dict[tuple[int, int, str], Entry] = {}
    for indicator_id, root_id, methods, generation, units, value, numerator, denominator in result.all():
        aggregate = (
            Aggregate(indicator_id, root_id, _decimal(value), units, _decimal(numerator), _decimal(denominator))
            if units
            else None
        )
        found[(indicator_id, root_id, methods)] = Entry(methods, generation, aggregate)
    return found


async def store(session: AsyncSession, key: Key, rows: Sequence[dict[str, Any]]) -> None:
    """Write ``rows`` (indicator_id, root_id, methods, generation, and the aggregate's figures) and commit.
    Raises what the database raises (a lock not granted in time among it): the caller decides."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'"))
    else:  # the connection goes back to the pool: its usual wait is set again in `finally`
        await session.execute(text(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}"))
    try:
        await _upsert(session, key, rows, dialect)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        if dialect != "postgresql":
            await session.execute(text(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"))
            await session.commit()


async def _upsert(session: AsyncSession, key: Key, rows: Sequence[dict[str, Any]], dialect: str) -> None:
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = CachedAggregate.__table__
    common = {
        "year": key.window.year,
        "first_month": key.window.first_month,
        "last_month": key.window.last_month,
        "statuses": key.statuses,
    }
    for start in range(0, len(rows), CHUNK):
        chunk = [{**common, **row} for row in rows[start : start + CHUNK]]
        statement = insert(table).values(chunk)
        statement = statement.on_conflict_do_update(
            index_elements=list(KEY_COLUMNS),
            set_={
                name: statement.excluded[name] for name in ("generation", "units", "value", "numerator", "denominator")
            },
        )
        await session.execute(statement)


def row(indicator_id: int, root_id: int, methods: str, generation: int, found: Aggregate | None) -> dict[str, Any]:
    """A row to store: the aggregate computed for the indicator and root, or none there."""
    return {
        "indicator_id": indicator_id,
        "root_id": root_id,
        "methods": methods,
        "generation": generation,
        "units": found.units if found else 0,
        "value": _text(found.value) if found else None,
        "numerator": _text(found.numerator) if found else None,
        "denominator": _text(found.denominator) if found else None,
    }
