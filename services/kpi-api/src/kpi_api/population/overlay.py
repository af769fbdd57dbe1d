"""Population figures inside analytics: the values of POPULATION_ATTACHED / POPULATION_RESIDENT.

For a requested org unit and period: the sum over the units of its subtree (those an analytics
``kind``/``subordination`` filter keeps) of each unit's latest figure dated on or before the period's
last day. A figure is recorded at one level of a branch only (:mod:`kpi_api.population.service`), so
the sum never counts a person twice. One statement per period and kind, grouped by requested unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Numeric, String, and_, func, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import Indicator, OrgUnit, OrgUnitPopulation
from kpi_api.org_units.filters import UnitFilter
from kpi_api.population.rules import KIND_OF_INDICATOR
from zdrav_shared.periods import Period

SOURCE = "population"
# Wide enough for a federation's population; on SQLite the scale rounds away binary noise.
TOTAL = Numeric(38, 10)


@dataclass(frozen=True, slots=True)
class Stock:
    value: Decimal | None
    units: int


async def load_population(
    session: AsyncSession,
    indicators: Iterable[Indicator],
    unit_ids: Sequence[int],
    periods: Sequence[str],
    unit_filter: UnitFilter | None = None,
) -> tuple[frozenset[int], dict[tuple[int, int, str], Stock]]:
    """``(ids of the population indicators, {(indicator_id, unit_id, period): Stock})``."""
    wanted = {i.id: KIND_OF_INDICATOR[i.code] for i in indicators if i.code in KIND_OF_INDICATOR and i.source == SOURCE}
    if not wanted or not unit_ids or not periods:
        return frozenset(wanted), {}
    roots = (await session.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.id.in_(sorted(set(unit_ids)))))).all()
    id_of = {path: unit_id for unit_id, path in roots}
    by_length: dict[int, list[str]] = {}
    for path in id_of:
        by_length.setdefault(len(path), []).append(path)
    branches = []
    for length, paths in sorted(by_length.items()):
        prefix = func.substr(OrgUnit.path, 1, length, type_=String)
        branch = select(prefix.label("root_path"), OrgUnit.id.label("unit_id")).where(
            prefix.in_(sorted(paths)), *(unit_filter.clauses() if unit_filter else [])
        )
        branches.append(branch)
    tree = (union_all(*branches) if len(branches) > 1 else branches[0]).subquery("tree")
    p = OrgUnitPopulation
    found: dict[tuple[int, int, str], Stock] = {}
    for indicator_id, kind in wanted.items():
        for code in sorted(set(periods)):
            end = Period.parse(code).end
            latest = (
                select(p.org_unit_id, func.max(p.as_of).label("as_of"))
                .where(p.kind == kind.value, p.as_of <= end)
                .group_by(p.org_unit_id)
                .subquery("latest")
            )
            query = (
                select(tree.c.root_path, type_coerce(func.sum(p.value), TOTAL), func.count())
                .join(latest, and_(latest.c.org_unit_id == p.org_unit_id, latest.c.as_of == p.as_of))
                .join(tree, tree.c.unit_id == p.org_unit_id)
                .where(p.kind == kind.value)
                .group_by(tree.c.root_path)
            )
            for root_path, total, count in (await session.execute(query)).all():
                value = Decimal(total) if total is not None else None
                found[(indicator_id, id_of[root_path], code)] = Stock(value, int(count))
    return frozenset(wanted), found
