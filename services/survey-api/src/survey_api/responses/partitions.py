"""The quarter partitions of ``responses`` on PostgreSQL, created ahead of the rows that need them.

``responses`` is partitioned by RANGE of its local ``quarter`` code (``2025Q2``: text whose order is
the quarters' order), one partition per quarter, ``responses_2025q2``, plus ``responses_default`` for
any quarter without its own (a back-dated or far-future row): no insert ever fails for want of a
partition. The migration creates the partitions of the stored quarters and of the quarters around
its day; the service, at start-up, those from the previous quarter to ``AHEAD`` quarters on
(:func:`ensure_partitions`). A quarter whose rows already sit in the default partition gets its own
partition with those rows moved into it, in one transaction.

The idempotency key does not depend on partitions: ``response_ids`` (docs/scaling.md).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from zdrav_shared.logging import get_logger
from zdrav_shared.periods import Period, PeriodType

log = get_logger(__name__)

TABLE = "responses"
DEFAULT_PARTITION = f"{TABLE}_default"
AHEAD = 4
"""Quarters created ahead of today's at start-up (a year: a service that runs that long without a
restart still finds its quarter's partition)."""
_LOCK = 0x5A0D_0018
"""Advisory lock of partition creation: two workers starting together create each partition once."""


def partition_name(quarter: str) -> str:
    return f"{TABLE}_{quarter.lower()}"


def next_quarter(quarter: str) -> str:
    return Period.parse(quarter).next().code


def quarters_around(today: date, *, behind: int = 1, ahead: int = AHEAD) -> list[str]:
    """Quarter codes from ``behind`` quarters before ``today``'s to ``ahead`` after it."""
    current = Period.containing(today, PeriodType.QUARTER)
    first = current
    for _ in range(behind):
        first = first.previous()
    codes = [first.code]
    for _ in range(behind + ahead):
        codes.append(next_quarter(codes[-1]))
    return codes


async def _existing(conn: AsyncConnection) -> set[str]:
    rows = await conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass)"
        ),
        {"parent": TABLE},
    )
    return {name for (name,) in rows}


async def create_partition(conn: AsyncConnection, quarter: str) -> None:
    """The partition of ``quarter`` (its rows moved out of the default partition if any are there)."""
    if Period.parse(quarter).type is not PeriodType.QUARTER:  # a quarter code, nothing else, goes into the DDL
        raise ValueError(f"not a quarter: {quarter}")
    name, low, high = partition_name(quarter), quarter, next_quarter(quarter)
    bounds = f"FOR VALUES FROM ('{low}') TO ('{high}')"
    stray = await conn.scalar(
        text(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE quarter >= :low AND quarter < :high)"),
        {"low": low, "high": high},
    )
    if not stray:
        await conn.execute(text(f"CREATE TABLE {name} PARTITION OF {TABLE} {bounds}"))
        return
    # Rows of the quarter in the default partition would make CREATE … PARTITION OF fail: move them.
    await conn.execute(text(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS)"))
    await conn.execute(
        text(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE quarter >= :low AND quarter < :high "
            f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        ),
        {"low": low, "high": high},
    )
    await conn.execute(text(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} {bounds}"))


async def ensure_partitions(engine: AsyncEngine, today: date, *, ahead: int = AHEAD) -> list[str]:
    """Create the missing partitions of the quarters around ``today`` (PostgreSQL; nothing on SQLite,
    where ``responses`` is one table). The quarter codes created."""
    if engine.dialect.name != "postgresql":
        return []
    wanted = quarters_around(today, ahead=ahead)
    async with engine.connect() as conn:
        existing = await _existing(conn)
    if all(partition_name(q) in existing for q in wanted):
        return []  # nearly always: one catalog read at start-up
    created = []
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        existing = await _existing(conn)
        for quarter in wanted:
            if partition_name(quarter) not in existing:
                await create_partition(conn, quarter)
                created.append(quarter)
    if created:
        log.info("response_partitions_created", quarters=created)
    return created
