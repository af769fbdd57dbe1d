"""All SQL of analytics: GROUP BYs over the subtrees asked for, per period window.

For a window (a year and a range of its months) and the indicators read in it, a query
1. takes the values of the indicators in the window (index ``ix_indicator_values_window``),
2. aggregates them over time per org unit with ``time_aggregation`` (``last`` is the value of the
   latest period, found with ``row_number()``) — skipped when the window holds one period per unit,
3. maps every org unit to the requested units whose subtree holds it (materialised-path prefix),
   limited to the caller's scope,
4. aggregates over org units with ``aggregation``.
When time and unit aggregation collapse into one (sum of sums, or a single period per unit) it is a
plain GROUP BY, and every such indicator of the window — summed, averaged, min or max — is read by one
statement with a CASE on the indicator's method (a scan of the window's values costs more than the
aggregates). Nothing is loaded row by row into Python: one row per indicator × requested unit.

Which values count:
- only those of the statuses asked for (``data``: approved; submitted and approved; or all);
- an indicator with a reporting level reads the values of units of that level only;
- an indicator without one reads every level, but a unit's own value only where no unit below it has
  a value of the same indicator and period: a region's own figure stands in for its organisations'
  when they did not report, and is never added to theirs. Such "shadowed" values are found first
  (values at units that have children — few — then which of them have a value below), and left out.
Ratio inputs sum numerators and denominators (over time and org units alike); the service divides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Select,
    String,
    Subquery,
    Table,
    case,
    distinct,
    func,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import IndicatorValue, OrgUnit, Target
from kpi_api.org_units.filters import UnitFilter
from kpi_api.scope import Scope
from kpi_api.targets.verdict import TargetFigures

SHADOW_CHUNK = 2000

# Wide enough for sums of many values; on SQLite (floats inside) the scale rounds away binary noise.
AGG = Numeric(38, 10)


@dataclass(frozen=True, slots=True)
class Window:
    """The months ``first_month..last_month`` of ``year``."""

    year: int
    first_month: int
    last_month: int


class Aggregate(NamedTuple):
    """One indicator over one root's subtree: the value (or, for ratio inputs, the summed numerator
    and denominator) and how many org units' values it rests on. (A NamedTuple: an answer builds
    thousands from the aggregate cache, and a frozen dataclass's ``__init__`` cost five times as much.)"""

    indicator_id: int
    root_id: int
    value: Decimal | None
    units: int
    numerator: Decimal | None = None
    denominator: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """What a request reads of the values of a window: the statuses (None: all), the values left out
    (the shadowed own values of parents, for indicators without a reporting level), and the units whose
    values can count (those of the subtrees asked about; None: any)."""

    window: Window
    statuses: tuple[str, ...] | None
    excluded: tuple[int, ...] = ()
    within: Select[tuple[int]] | None = None


def _simple(method: str, column: Any) -> ColumnElement[Any]:
    """sum, average, min or max of ``column``."""
    functions: dict[str, Callable[[Any], ColumnElement[Any]]] = {
        "sum": func.sum,
        "average": func.avg,
        "min": func.min,
        "max": func.max,
    }
    return functions[method](column)


@dataclass(frozen=True, slots=True)
class Methods:
    """How a group of indicators aggregates: over org units, and over time (None: one period per unit,
    nothing to aggregate over time); and the reporting level it reads (None: any)."""

    over_units: str
    over_time: str | None
    level: str | None = None


def _in_window(
    indicator_ids: Iterable[int], window: Window, statuses: tuple[str, ...] | None
) -> tuple[ColumnElement[bool], ...]:
    """The values of the indicators in the window (index ``ix_indicator_values_window``) of the statuses."""
    v = IndicatorValue
    found: tuple[ColumnElement[bool], ...] = (
        v.indicator_id.in_(sorted(set(indicator_ids))),
        v.year == window.year,
        v.end_month.between(window.first_month, window.last_month),
        # a cell with no number (x, нет должности, -) is never part of a roll-up
        v.value.is_not(None),
    )
    if statuses is not None:
        found += (v.status.in_(statuses),)
    return found


def _read(indicator_ids: Iterable[int], reading: Reading) -> tuple[ColumnElement[bool], ...]:
    found = _in_window(indicator_ids, reading.window, reading.statuses)
    if reading.excluded:
        found += (IndicatorValue.id.not_in(reading.excluded),)
    if reading.within is not None:
        # A join to the subtrees follows anyway; said here too, the values aggregated over time per unit
        # first (and the shadow search) read only the subtrees' units, not the whole federation's window:
        # one region's figures computed again cost that region's values.
        found += (IndicatorValue.org_unit_id.in_(reading.within),)
    return found


def _collapses(methods: Methods) -> bool:
    """Time then units equals one aggregate over all values: sum of sums, min of mins, max of maxes."""
    if methods.over_units in ("last", "ratio"):
        return False
    return methods.over_time is None or (methods.over_time == methods.over_units and methods.over_units != "average")


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def aggregate(
        self,
        groups: Mapping[Methods, Sequence[int]],
        roots: Sequence[OrgUnit],
        window: Window,
        scope: Scope,
        statuses: tuple[str, ...] | None = None,
        unit_filter: UnitFilter | None = None,
    ) -> list[Aggregate]:
        """The indicators of ``groups`` (ids by their aggregation methods and level) over the subtrees
        of ``roots``, reading values of ``statuses`` (None: every status).

        The groups that collapse into one plain GROUP BY share a statement (one per kind of unit count
        and level); the others take one statement each."""
        if not roots or not any(groups.values()):
            return []
        tree, root_ids = self._tree(roots, scope, unit_filter)
        anywhere = [i for methods, ids in groups.items() if methods.level is None for i in ids]
        within = select(tree.c.unit_id)
        reading = Reading(window, statuses, tuple(await self.shadowed(anywhere, window, statuses, within)), within)
        found: list[tuple[int, str, Decimal | None, int, Decimal | None, Decimal | None]] = []
        collapsed: dict[tuple[bool, str], dict[int, str]] = {}
        for methods, ids in sorted(
            groups.items(), key=lambda g: (g[0].over_units, g[0].over_time or "", g[0].level or "")
        ):
            if not ids:
                continue
            if methods.over_units == "ratio":
                found += await self._ratio(ids, methods.level, tree, reading)
            elif _collapses(methods):
                one_period = methods.over_time is None
                collapsed.setdefault((one_period, methods.level or ""), {}).update(
                    dict.fromkeys(ids, methods.over_units)
                )
            else:
                found += [(*row, None, None) for row in await self._stepwise(ids, methods, tree, reading)]
        for (one_period, level), method_of in sorted(collapsed.items()):
            rows = await self._collapsed(method_of, one_period, level or None, tree, reading)
            found += [(*row, None, None) for row in rows]
        return [Aggregate(i, root_ids[root], value, n, num, den) for i, root, value, n, num, den in found]

    async def shadowed(
        self,
        indicator_ids: Sequence[int],
        window: Window,
        statuses: tuple[str, ...] | None,
        within: Select[tuple[int]] | None = None,
    ) -> list[int]:
        """Ids of the values (of indicators without a reporting level) at a unit below which another unit
        has a value of the same indicator and period: those never count beside the values below them.
        ``within``: only values at these units (the subtrees asked about) matter."""
        if not indicator_ids:
            return []
        v = IndicatorValue
        parents = select(OrgUnit.parent_id).where(OrgUnit.parent_id.is_not(None))
        candidates = (
            await self.session.execute(
                select(v.id, v.indicator_id, v.period, OrgUnit.path)
                .join(OrgUnit, OrgUnit.id == v.org_unit_id)
                .where(
                    *_in_window(indicator_ids, window, statuses),
                    v.org_unit_id.in_(parents),
                    *(() if within is None else (v.org_unit_id.in_(within),)),
                )
            )
        ).all()
        if not candidates:
            return []
        below: set[tuple[int, str, str]] = set()
        by_length: dict[int, set[str]] = {}
        for _, _, _, path in candidates:
            by_length.setdefault(len(path), set()).add(path)
        ids = sorted({c[1] for c in candidates})
        for length, paths in sorted(by_length.items()):
            for chunk in _chunks(sorted(paths), SHADOW_CHUNK):
                prefix = func.substr(OrgUnit.path, 1, length, type_=String)
                query = (
                    select(v.indicator_id, v.period, prefix)
                    .join(OrgUnit, OrgUnit.id == v.org_unit_id)
                    .where(*_in_window(ids, window, statuses), prefix.in_(chunk), func.length(OrgUnit.path) > length)
                    .distinct()
                )
                below |= {(i, p, root) for i, p, root in (await self.session.execute(query)).all()}
        return sorted(value_id for value_id, i, period, path in candidates if (i, period, path) in below)

    async def _ratio(
        self, indicator_ids: Sequence[int], level: str | None, tree: Subquery, reading: Reading
    ) -> list[tuple[int, str, Decimal | None, int, Decimal | None, Decimal | None]]:
        """Σ numerator and Σ denominator of ratio inputs over time and over each subtree's units."""
        v = IndicatorValue
        query = (
            select(
                v.indicator_id,
                tree.c.root_path,
                type_coerce(func.sum(v.numerator), AGG),
                type_coerce(func.sum(v.denominator), AGG),
                func.count(distinct(v.org_unit_id)),
            )
            .join(tree, tree.c.unit_id == v.org_unit_id)
            .where(*_read(indicator_ids, reading), *_at_level(tree, level))
            .group_by(v.indicator_id, tree.c.root_path)
        )
        result = await self.session.execute(query)
        return [(i, r, None, n, num, den) for i, r, num, den, n in result.all()]

    async def _collapsed(
        self, method_of: Mapping[int, str], one_period: bool, level: str | None, tree: Subquery, reading: Reading
    ) -> list[tuple[int, str, Decimal | None, int]]:
        """One plain GROUP BY for indicators whose time and unit aggregation collapse into one
        (``method_of``: indicator id → its method over org units): a CASE on the indicator picks its
        method's aggregate in each group. Cheaper than a statement per method, each scanning the
        window's values again, and one value a row to send back rather than one per method."""
        v = IndicatorValue
        ids_of: dict[str, list[int]] = {}
        for indicator_id, method in method_of.items():
            ids_of.setdefault(method, []).append(indicator_id)
        *picked, (last, _) = sorted(ids_of.items())
        value: ColumnElement[Any] = _simple(last, v.value)
        if picked:
            value = case(*((v.indicator_id.in_(sorted(ids)), _simple(m, v.value)) for m, ids in picked), else_=value)
        query = (
            select(
                v.indicator_id,
                tree.c.root_path,
                type_coerce(value, AGG),
                # One value per unit when there is no time step: count(*) keeps a hash aggregate possible.
                func.count() if one_period else func.count(distinct(v.org_unit_id)),
            )
            .join(tree, tree.c.unit_id == v.org_unit_id)
            .where(*_read(method_of.keys(), reading), *_at_level(tree, level))
            .group_by(v.indicator_id, tree.c.root_path)
        )
        result = await self.session.execute(query)
        return [(i, r, val, n) for i, r, val, n in result.all()]

    async def _stepwise(
        self, indicator_ids: Sequence[int], methods: Methods, tree: Subquery, reading: Reading
    ) -> list[tuple[int, str, Decimal | None, int]]:
        """Over time per org unit first, then over the org units of each subtree."""
        v = IndicatorValue
        in_window = _read(indicator_ids, reading)
        if methods.over_time == "last":
            ranked = (
                select(
                    v.indicator_id,
                    v.org_unit_id,
                    v.value,
                    func.row_number()
                    .over(partition_by=(v.indicator_id, v.org_unit_id), order_by=v.end_month.desc())
                    .label("rn"),
                )
                .where(*in_window)
                .subquery("ranked")
            )
            per_unit = (
                select(ranked.c.indicator_id, ranked.c.org_unit_id, ranked.c.value.label("tv"))
                .where(ranked.c.rn == 1)
                .subquery("per_unit")
            )
        elif methods.over_time is None:
            per_unit = select(v.indicator_id, v.org_unit_id, v.value.label("tv")).where(*in_window).subquery("per_unit")
        else:
            per_unit = (
                select(v.indicator_id, v.org_unit_id, _simple(methods.over_time, v.value).label("tv"))
                .where(*in_window)
                .group_by(v.indicator_id, v.org_unit_id)
                .subquery("per_unit")
            )
        tv = type_coerce(per_unit.c.tv, AGG)
        if methods.over_units == "last":
            # "last" over org units: the unit with the greatest code, as targets.rules.aggregate_grid does.
            rooted = (
                select(
                    per_unit.c.indicator_id,
                    tree.c.root_path,
                    tv.label("tv"),
                    func.row_number()
                    .over(partition_by=(per_unit.c.indicator_id, tree.c.root_path), order_by=tree.c.unit_code.desc())
                    .label("urn"),
                )
                .join(tree, tree.c.unit_id == per_unit.c.org_unit_id)
                .where(*_at_level(tree, methods.level))
                .subquery("rooted")
            )
            over_units = func.max(case((rooted.c.urn == 1, rooted.c.tv)))
            query = select(
                rooted.c.indicator_id, rooted.c.root_path, type_coerce(over_units, AGG), func.count()
            ).group_by(rooted.c.indicator_id, rooted.c.root_path)
        else:
            query = (
                select(
                    per_unit.c.indicator_id,
                    tree.c.root_path,
                    type_coerce(_simple(methods.over_units, tv), AGG),
                    func.count(),
                )
                .join(tree, tree.c.unit_id == per_unit.c.org_unit_id)
                .where(*_at_level(tree, methods.level))
                .group_by(per_unit.c.indicator_id, tree.c.root_path)
            )
        result = await self.session.execute(query)
        return [(i, r, val, n) for i, r, val, n in result.all()]

    @staticmethod
    def _tree(
        roots: Sequence[OrgUnit], scope: Scope, unit_filter: UnitFilter | None = None
    ) -> tuple[Subquery, dict[str, int]]:
        """``(root_path, unit_id, unit_code, unit_level)`` for every unit in each root's subtree (inside the
        scope), and the root's id by its path. ``unit_filter`` keeps only the units of some kinds or
        subordinations.

        A unit is in a root's subtree when its path starts with the root's: its first ``len(root path)``
        characters equal the root's path. One branch per length of the roots' paths (regions share
        one) tests that with ``substr(path, 1, n) IN (paths)``: the statement stays small and its text the
        same from request to request (no per-root branch to plan, a prepared plan that still fits), and
        the planner sees a set of units to hash-join the values to (a join on ``path LIKE root.path ||
        '%'`` looks tiny to it and leads to nested loops over the whole federation).
        """
        by_length: dict[int, list[str]] = {}
        for root in roots:
            by_length.setdefault(len(root.path), []).append(root.path)
        branches = []
        for length, paths in sorted(by_length.items()):
            prefix = func.substr(OrgUnit.path, 1, length, type_=String)
            branch = select(
                prefix.label("root_path"),
                OrgUnit.id.label("unit_id"),
                OrgUnit.code.label("unit_code"),
                OrgUnit.level.label("unit_level"),
            ).where(prefix.in_(sorted(paths)))
            limit = scope.clause(OrgUnit.path)
            if limit is not None:
                branch = branch.where(limit)
            if unit_filter:
                branch = branch.where(*unit_filter.clauses())
            branches.append(branch)
        tree = (union_all(*branches) if len(branches) > 1 else branches[0]).subquery("tree")
        return tree, {root.path: root.id for root in roots}

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
    ) -> dict[tuple[int, int], dict[str, TargetFigures]]:
        """Targets by ``(indicator_id, org_unit_id)`` and period code: plain rows, as analytics only
        reads them, through Core on the session's connection (thousands of ORM objects cost more than the
        query, and the ORM's handling of a plain select of columns still cost twice the query)."""
        if not indicator_ids or not unit_ids or not periods:
            return {}
        t = cast(Table, Target.__table__).c
        connection = await self.session.connection()
        result = await connection.execute(
            select(
                t.indicator_id, t.org_unit_id, t.period, t.target, t.baseline, t.note, t.target_low, t.target_high
            ).where(
                t.indicator_id.in_(sorted(set(indicator_ids))),
                t.org_unit_id.in_(sorted(set(unit_ids))),
                t.period.in_(sorted(set(periods))),
            )
        )
        found: dict[tuple[int, int], dict[str, TargetFigures]] = {}
        for indicator_id, unit_id, period, target, baseline, note, low, high in result.all():
            found.setdefault((indicator_id, unit_id), {})[period] = TargetFigures(target, baseline, note, low, high)
        return found


def _at_level(tree: Subquery, level: str | None) -> tuple[ColumnElement[bool], ...]:
    """Only the units of the reporting level (no condition without one)."""
    return () if level is None else (tree.c.unit_level == level,)


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
