"""All SQL of analytics: one GROUP BY per period window over the subtrees asked for.

For a window (a year and a range of its months) the query
1. takes the values of the needed input indicators in the window (index ``ix_indicator_values_window``),
2. aggregates them over time per org unit with the indicator's ``time_aggregation`` (``last`` is the
   value of the latest period, found with ``row_number()``),
3. maps every org unit to the requested units whose subtree holds it (materialised-path prefix),
   limited to the caller's scope,
4. aggregates over org units with the indicator's ``aggregation``.
Nothing is loaded row by row into Python; the answer has one row per indicator × requested unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, case, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kpi_api.models import Indicator, IndicatorValue, OrgUnit, Target
from kpi_api.scope import Scope

# Wide enough for sums of many values; on SQLite (floats inside) the scale rounds away binary noise.
AGG = Numeric(38, 10)


@dataclass(frozen=True, slots=True)
class Window:
    """The months ``first_month..last_month`` of ``year``."""

    year: int
    first_month: int
    last_month: int


@dataclass(frozen=True, slots=True)
class Aggregate:
    indicator_id: int
    root_id: int
    value: Decimal | None
    units: int


def _by_method(method: Any, sum_: Any, avg: Any, min_: Any, max_: Any, last: Any) -> Any:
    """The aggregate named by ``method`` (a column holding sum, average, min, max or last)."""
    return case(
        (method == "sum", sum_),
        (method == "average", avg),
        (method == "min", min_),
        (method == "max", max_),
        else_=last,
    )


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def aggregate(
        self,
        indicator_ids: Sequence[int],
        root_ids: Sequence[int],
        window: Window,
        scope: Scope,
    ) -> list[Aggregate]:
        if not indicator_ids or not root_ids:
            return []
        v = IndicatorValue
        ranked = (
            select(
                v.indicator_id,
                v.org_unit_id,
                v.value,
                func.row_number()
                .over(partition_by=(v.indicator_id, v.org_unit_id), order_by=v.end_month.desc())
                .label("rn"),
            )
            .where(
                v.indicator_id.in_(sorted(set(indicator_ids))),
                v.year == window.year,
                v.end_month.between(window.first_month, window.last_month),
            )
            .subquery("ranked")
        )
        per_unit = (
            select(
                ranked.c.indicator_id,
                ranked.c.org_unit_id,
                func.sum(ranked.c.value).label("s"),
                func.avg(ranked.c.value).label("a"),
                func.min(ranked.c.value).label("lo"),
                func.max(ranked.c.value).label("hi"),
                func.max(case((ranked.c.rn == 1, ranked.c.value))).label("last"),
            )
            .group_by(ranked.c.indicator_id, ranked.c.org_unit_id)
            .subquery("per_unit")
        )
        root = aliased(OrgUnit, name="root")
        unit = aliased(OrgUnit, name="unit")
        tree = (
            select(root.id.label("root_id"), unit.id.label("unit_id"), unit.code.label("unit_code"))
            .join(unit, unit.path.startswith(root.path))
            .where(root.id.in_(sorted(set(root_ids))))
        )
        limit = scope.clause(unit.path)
        if limit is not None:
            tree = tree.where(limit)
        tree_q = tree.subquery("tree")
        over_time = _by_method(
            Indicator.time_aggregation, per_unit.c.s, per_unit.c.a, per_unit.c.lo, per_unit.c.hi, per_unit.c.last
        )
        rooted = (
            select(
                per_unit.c.indicator_id,
                tree_q.c.root_id,
                Indicator.aggregation.label("method"),
                type_coerce(over_time, AGG).label("tv"),
                func.row_number()
                .over(partition_by=(per_unit.c.indicator_id, tree_q.c.root_id), order_by=tree_q.c.unit_code.desc())
                .label("urn"),
            )
            .join(tree_q, tree_q.c.unit_id == per_unit.c.org_unit_id)
            .join(Indicator, Indicator.id == per_unit.c.indicator_id)
            .subquery("rooted")
        )
        over_units = _by_method(
            rooted.c.method,
            func.sum(rooted.c.tv),
            func.avg(rooted.c.tv),
            func.min(rooted.c.tv),
            func.max(rooted.c.tv),
            func.max(case((rooted.c.urn == 1, rooted.c.tv))),
        )
        query = select(
            rooted.c.indicator_id,
            rooted.c.root_id,
            type_coerce(over_units, AGG).label("value"),
            func.count().label("units"),
        ).group_by(rooted.c.indicator_id, rooted.c.root_id, rooted.c.method)
        result = await self.session.execute(query)
        return [Aggregate(i, r, val, n) for i, r, val, n in result.all()]

    async def units_under(self, parent_path: str, level: str | None, scope: Scope) -> list[OrgUnit]:
        """Units below a parent: of ``level`` anywhere in its subtree, or its direct children."""
        query = select(OrgUnit).where(
            OrgUnit.path.startswith(parent_path, autoescape=True), OrgUnit.path != parent_path
        )
        if level is not None:
            query = query.where(OrgUnit.level == level)
        else:
            parent = select(OrgUnit.id).where(OrgUnit.path == parent_path).scalar_subquery()
            query = query.where(OrgUnit.parent_id == parent)
        limit = scope.clause(OrgUnit.path)
        if limit is not None:
            query = query.where(limit)
        result = await self.session.execute(query.order_by(OrgUnit.code).limit(5001))
        return list(result.scalars())

    async def targets(
        self, indicator_ids: Sequence[int], unit_ids: Sequence[int], periods: Sequence[str]
    ) -> dict[tuple[int, int], dict[str, Target]]:
        if not indicator_ids or not unit_ids or not periods:
            return {}
        result = await self.session.execute(
            select(Target).where(
                Target.indicator_id.in_(sorted(set(indicator_ids))),
                Target.org_unit_id.in_(sorted(set(unit_ids))),
                Target.period.in_(sorted(set(periods))),
            )
        )
        found: dict[tuple[int, int], dict[str, Target]] = {}
        for target in result.scalars():
            found.setdefault((target.indicator_id, target.org_unit_id), {})[target.period] = target
        return found
