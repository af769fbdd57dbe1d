"""Analytics: aggregates from SQL, formulas evaluated on the aggregated inputs, targets and statuses.

``data`` chooses the values read: ``submitted`` (submitted and approved; the default), ``approved``
(what the federal report shows), or ``all`` (drafts too). Drafts are a region's work in progress, so
``all`` is only for callers of the region asked about: every org unit asked lies in a region, and the
caller's scope reaches into that region (a federal or service caller is refused: 403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.aggregate_cache.service import CachedAggregates
from kpi_api.analytics.access import drafts_allowed
from kpi_api.analytics.columns import Book, Slot
from kpi_api.analytics.repository import AnalyticsRepository, Methods
from kpi_api.analytics.rows import ROW_TEXTS, RowInputs, row_fields, trusted_row
from kpi_api.analytics.schemas import AnalyticsAnswer, DataFilter
from kpi_api.analytics.states import value_states
from kpi_api.formulas import Expr, parse, referenced_codes
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.rules import IndicatorKind, Periodicity, can_report_for
from kpi_api.models import Indicator, OrgUnit
from kpi_api.org_units.filters import UnitFilter
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.scope import Scope, scope_of
from kpi_api.sources.overlay import load_pulled
from kpi_api.targets.notes import CauseNoteRepository
from kpi_api.targets.verdict import TargetFigures
from zdrav_shared.auth import Principal
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.problems import Forbidden, Unprocessable

MAX_ROWS = 50_000


@dataclass
class AnalyticsQuery:
    indicators: list[str]
    org_units: list[str]
    periods: list[Period]
    ytd: bool = False
    previous: bool = False
    parent: str | None = None
    level: OrgUnitLevel | None = None
    data: DataFilter = DataFilter.SUBMITTED
    # Which org units' values roll up (kind, subordination): kpi_api.org_units.filters.
    unit_filter: UnitFilter | None = None


class AnalyticsService:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock
        self.repo = AnalyticsRepository(session)
        self.aggregates = CachedAggregates(session, self.repo)

    async def _units(self, scope: Scope, query: AnalyticsQuery) -> list[OrgUnit]:
        repo = OrgUnitRepository(self.session)
        found = await repo.get_many(query.org_units)
        unknown = [c for c in query.org_units if c not in found]
        if unknown:
            raise Unprocessable(f"unknown org unit(s): {', '.join(unknown)}", pointer="/query/org_units")
        units = [found[c] for c in dict.fromkeys(query.org_units)]
        if query.parent is not None:
            parent = await repo.get(query.parent)
            if parent is None:
                raise Unprocessable(f"unknown org unit {query.parent}", pointer="/query/parent")
            if not _overlaps(scope, parent.path):
                scope.require(parent.path, parent.code)
            units += await self.repo.units_under(parent.path, query.level.value if query.level else None, scope)
        elif query.level is not None:
            raise Unprocessable("level filters the units under a parent: give parent too", pointer="/query/level")
        for unit in units:
            if not scope.covers_path(unit.path):
                raise Forbidden(f"org unit {unit.code} is outside your scope", pointer="/query/org_units")
        if not units:
            raise Unprocessable("no org unit to report on: give org_units, or parent", pointer="/query/org_units")
        if query.data is DataFilter.ALL:
            drafts_allowed(scope, units)
        return list({u.code: u for u in units}.values())

    async def _closure(self, codes: list[str]) -> Book:
        repo = IndicatorRepository(self.session)
        catalogue = await repo.get_many(codes)
        unknown = [c for c in codes if c not in catalogue]
        if unknown:
            raise Unprocessable(f"unknown indicator(s): {', '.join(unknown)}", pointer="/query/indicators")
        versions: dict[str, list[tuple[object, Expr]]] = {}
        pending = [i for i in catalogue.values() if i.kind == IndicatorKind.FORMULA]
        while pending:
            stored = await repo.formula_versions([i.id for i in pending])
            wanted: set[str] = set()
            for indicator in pending:
                exprs = [(v.effective_from, parse(v.formula)) for v in stored.get(indicator.id, [])]
                versions[indicator.code] = exprs  # type: ignore[assignment]
                for _, expr in exprs:
                    wanted |= referenced_codes(expr).all
            fetched = await repo.get_many(sorted(wanted - catalogue.keys()))
            catalogue.update(fetched)
            pending = [i for i in fetched.values() if i.kind == IndicatorKind.FORMULA]
        return Book(catalogue, versions)

    async def run(self, principal: Principal, query: AnalyticsQuery) -> AnalyticsAnswer:
        """The answer's rows as models (for the exports, charts, alerts and reports that read them)."""
        inputs = await self._read(principal, query)
        rows = [trusted_row(row_fields(row)) for row in inputs]
        return AnalyticsAnswer(rows=rows, data=query.data, data_as_of=self.clock())

    async def run_json(self, principal: Principal, query: AnalyticsQuery) -> tuple[list[bytes], datetime]:
        """The JSON of the answer's rows (the text of a row answered before with the same inputs is served
        again: ``ROW_TEXTS``) and the moment they were read."""
        inputs = await self._read(principal, query)
        text = ROW_TEXTS.text
        return [text(row) for row in inputs], self.clock()

    async def _read(self, principal: Principal, query: AnalyticsQuery) -> list[RowInputs]:
        """Everything the rows are made of, read in this request."""
        scope = await scope_of(self.session, principal)
        book = await self._closure(query.indicators)
        units = await self._units(scope, query)
        if len(query.indicators) * len(units) * len(query.periods) > MAX_ROWS:
            raise Unprocessable(f"the answer would exceed {MAX_ROWS} rows; ask for less", pointer="/query")
        uses_prev = any(referenced_codes(e).previous for vs in book.versions.values() for _, e in vs)
        slots = {Slot(p, query.ytd) for p in query.periods}
        if query.previous or uses_prev:
            slots |= {s.previous() for s in slots}
        if query.previous and uses_prev:
            slots |= {s.previous() for s in slots}
        book.pulled = await load_pulled(
            self.session,
            book.catalogue.values(),
            [u.id for u in units],
            [s.period.code for s in slots],
            query.unit_filter,
        )
        needed = _needed_inputs(book, query)
        for slot in sorted(slots, key=lambda s: s.period):
            groups: dict[Methods, list[int]] = {}
            for indicator in (book.catalogue[code] for code in sorted(needed.get(slot, ()))):
                if can_report_for(slot.period, Periodicity(indicator.periodicity)):
                    groups.setdefault(_methods(indicator, slot), []).append(indicator.id)
            found = await self.aggregates.aggregate(
                groups, units, slot.window, scope, query.data.statuses, query.unit_filter
            )
            book.aggregates[slot] = {(row.indicator_id, row.root_id): row for row in found}
        targets = await self._targets(book, query, units)
        keys = (
            [book.catalogue[c].id for c in query.indicators],
            [u.id for u in units],
            [p.code for p in query.periods],
        )
        book.notes = await CauseNoteRepository(self.session).for_rows(*keys)
        if not query.ytd:
            book.states = await value_states(self.session, *keys, query.data.statuses)
        return _inputs(book, query, units, targets)

    async def _targets(
        self, book: Book, query: AnalyticsQuery, units: list[OrgUnit]
    ) -> dict[tuple[int, int], dict[str, TargetFigures]]:
        periods: set[str] = set()
        for period in query.periods:
            periods |= {period.code, str(period.year)}
            if period.type is PeriodType.MONTH:
                periods.add(period.parent(PeriodType.QUARTER).code)
        ids = [book.catalogue[c].id for c in query.indicators]
        return await self.repo.targets(ids, [u.id for u in units], sorted(periods))


def _inputs(
    book: Book, query: AnalyticsQuery, units: list[OrgUnit], targets: dict[tuple[int, int], dict[str, TargetFigures]]
) -> list[RowInputs]:
    """What each row is made of: one per indicator × org unit × period, in that order."""
    found: list[RowInputs] = []
    periods = list(dict.fromkeys(query.periods))
    unit_keys = [(unit.id, unit.code) for unit in units]
    with_previous = query.previous
    for code in dict.fromkeys(query.indicators):
        columns = [book.column(code, Slot(period, query.ytd)) for period in periods]
        indicator_id = book.catalogue[code].id
        for unit_id, unit_code in unit_keys:
            known = tuple(targets.get((indicator_id, unit_id), _NO_TARGETS).items())
            for column in columns:
                spec = column.spec
                period_code = column.period_code
                cell = (spec.id, unit_id, period_code)
                figure, why, reported_units, numerator, denominator = column.figures(unit_id)
                found.append(
                    RowInputs(
                        column.code,
                        unit_code,
                        period_code,
                        column.slot.ytd,
                        column.judge,
                        spec.unit,
                        spec.precision,
                        figure,
                        why,
                        reported_units,
                        numerator,
                        denominator,
                        known,
                        book.states.get(cell),
                        book.notes.get(cell),
                        column.previous_code if with_previous else None,
                        book.value(column.code, unit_id, column.previous).value if with_previous else None,
                        tuple(book.pulled.fields(spec.id, unit_id, period_code, column.slot.ytd).items())
                        if column.pulled
                        else (),
                    )
                )
    return found


_NO_TARGETS: dict[str, TargetFigures] = {}


def _needed_inputs(book: Book, query: AnalyticsQuery) -> dict[Slot, set[str]]:
    """The input indicators each slot must aggregate: the inputs asked for, and those the formulas asked
    for reference, in the slots they are read in. A previous slot that is there only for ``prev(X)``
    aggregates X alone, not every input of the request (half the SQL of a request with a growth rate)."""
    needed: dict[Slot, set[str]] = {}
    seen: set[tuple[str, Slot]] = set()

    def need(code: str, slot: Slot) -> None:
        if (code, slot) in seen:
            return
        seen.add((code, slot))
        if book.catalogue[code].kind == IndicatorKind.INPUT:
            needed.setdefault(slot, set()).add(code)
            return
        expr = book.formula(code, slot.period)
        if expr is None:
            return
        refs = referenced_codes(expr)
        for ref in refs.current:
            need(ref, slot)
        for ref in refs.previous:
            need(ref, slot.previous())

    for code in dict.fromkeys(query.indicators):
        for period in dict.fromkeys(query.periods):
            slot = Slot(period, query.ytd)
            need(code, slot)
            if query.previous:
                need(code, slot.previous())
    return needed


def _methods(indicator: Indicator, slot: Slot) -> Methods:
    """The aggregation pair and reporting level of an input indicator in a slot; no time step when the
    slot is one period."""
    window = slot.window
    months = window.last_month - window.first_month + 1
    single = months == Periodicity(indicator.periodicity).period_type.months
    over_time = None if single else (indicator.time_aggregation or "sum")
    return Methods(indicator.aggregation or "sum", over_time, indicator.reporting_level)


def _overlaps(scope: Scope, path: str) -> bool:
    """True when the parent is in scope or holds part of it (a region's admin asking under RU)."""
    if scope.paths is None or scope.covers_path(path):
        return True
    return any(p.startswith(path) for p in scope.paths)
