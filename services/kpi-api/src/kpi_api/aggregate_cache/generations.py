"""The generations of the values: bumped by every transaction that writes a value, read by the cache.

A write records what it touched (``touch``) on its session; the bumps are written by a ``before_commit``
listener, inside the same transaction, so that no write path can commit values without them, and all
at the end and in key order: a transaction holds a generation's row lock only from its last statement
to its commit, and two transactions always take those locks in the same order (no deadlock between
writers of several indicators). A rolled-back transaction bumps nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kpi_api.aggregate_cache.rules import region_path
from kpi_api.models import OrgUnit, ValueGeneration

TOUCHED = "kpi.values_touched"
"""``session.info`` key: the (indicator id, year, org unit id) of the values written in the transaction."""


def touch(session: AsyncSession, indicator_id: int, year: int, org_unit_id: int) -> None:
    """Note that this transaction wrote a value; its generation is bumped when the transaction commits."""
    session.info.setdefault(TOUCHED, set()).add((indicator_id, year, org_unit_id))


def has_written(session: AsyncSession) -> bool:
    """True when the session's open transaction wrote values: its reads must not use (or fill) the cache,
    which holds committed data only."""
    return bool(session.info.get(TOUCHED))


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    touched: set[tuple[int, int, int]] | None = session.info.pop(TOUCHED, None)
    if not touched:
        return
    unit_ids = sorted({unit for _, _, unit in touched})
    paths = dict(session.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.id.in_(unit_ids))).all())
    keys = sorted({(indicator, year, region_path(paths[unit])) for indicator, year, unit in touched})
    rows = [{"indicator_id": i, "year": y, "region_path": r, "generation": 1} for i, y, r in keys]
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ValueGeneration.__table__
    statement = insert(table).on_conflict_do_update(
        index_elements=["indicator_id", "year", "region_path"], set_={"generation": table.c.generation + 1}
    )
    session.execute(statement, rows)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(TOUCHED, None)


async def read(session: AsyncSession, indicator_ids: Sequence[int], year: int) -> dict[int, dict[str, int]]:
    """The generations of the indicators' values in ``year``: {indicator id: {region path: generation}}."""
    if not indicator_ids:
        return {}
    g = cast(Table, ValueGeneration.__table__).c
    connection = await session.connection()  # Core: a row per indicator and region, thousands an answer
    result = await connection.execute(
        select(g.indicator_id, g.region_path, g.generation).where(
            g.indicator_id.in_(sorted(set(indicator_ids))), g.year == year
        )
    )
    found: dict[int, dict[str, int]] = {}
    for indicator_id, path, generation in result.all():
        found.setdefault(indicator_id, {})[path] = generation
    return found
