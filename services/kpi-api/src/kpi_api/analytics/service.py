"""Analytics: aggregates from SQL, formulas evaluated on the aggregated inputs, targets and statuses.

``data`` chooses the values read: ``submitted`` (submitted and approved; the default), ``approved``
(what the federal report shows), or ``all`` (drafts too). Drafts are a region's work in progress, so
``all`` is only for callers of the region asked about: every org unit asked lies in a region, and the
caller's scope reaches into that region (a federal or service caller is refused: 403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Context, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.aggregate_cache.service import CachedAggregates
from kpi_api.analytics.access import drafts_allowed
from kpi_api.analytics.repository import Aggregate, AnalyticsRepository, Methods, Window
from kpi_api.analytics.rows import trusted_row
from kpi_api.analytics.schemas import AnalyticsAnswer, AnalyticsRow, DataFilter
from kpi_api.analytics.states import value_states
from kpi_api.formulas import EvalResult, Expr, References, evaluate, evaluate_ratio, parse, referenced_codes
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.rules import (
    DEFAULT_RATIO_SCALE,
    Aggregation,
    Direction,
    IndicatorKind,
    Periodicity,
    can_report_for,
    effective_version,
)
from kpi_api.models import Indicator, OrgUnit
from kpi_api.numbers import plain, present
from kpi_api.org_units.filters import UnitFilter
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.scope import Scope, scope_of
from kpi_api.sources.overlay import PulledValues, load_pulled
from kpi_api.targets.notes import CauseNoteRepository
from kpi_api.targets.rules import Thresholds
from kpi_api.targets.verdict import TargetFigures, judge
from zdrav_shared.auth import Principal
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.problems import Forbidden, Unprocessable

MAX_ROWS = 50_000
NO_DATA = "no_data"
_RATIO = Context(prec=34)


@dataclass(frozen=True, slots=True)
class Slot:
    """A period as analytics reads it: the period alone, or the year to date up to it."""

    period: Period
    ytd: bool

    @property
    def window(self) -> Window:
        first = 1 if self.ytd else self.period.first_month
        return Window(self.period.year, first, self.period.last_month)

    def previous(self) -> Slot:
        # The first half of last year, not the second half of last year, precedes "January–June".
        return Slot(self.period.same_period_last_year() if self.ytd else self.period.previous(), self.ytd)


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


@dataclass(frozen=True, slots=True)
class _Spec:
    """An indicator's enums and thresholds, parsed once per request rather than once per row, and the
    fields every row reads as plain attributes (an ORM attribute read costs more, thousands of times)."""

    indicator: Indicator
    periodicity: Periodicity
    direction: Direction
    thresholds: Thresholds
    time_aggregation: Aggregation | None
    is_input: bool
    id: int
    unit: str
    precision: int
    ratio_scale: Decimal | None  # ratio inputs: value = Σ numerator ÷ Σ denominator × scale

    @classmethod
    def of(cls, indicator: Indicator) -> _Spec:
        ratio = indicator.aggregation == Aggregation.RATIO
        return cls(
            indicator,
            Periodicity(indicator.periodicity),
            Direction(indicator.direction),
            Thresholds(indicator.on_track_ratio, indicator.at_risk_ratio),
            Aggregation(indicator.time_aggregation) if indicator.time_aggregation else None,
            indicator.kind == IndicatorKind.INPUT,
            indicator.id,
            indicator.unit,
            indicator.precision,
            (indicator.scale if indicator.scale is not None else DEFAULT_RATIO_SCALE) if ratio else None,
        )


@dataclass
class _Book:
    """What one request has read: the catalogue closure, formula versions and aggregates per slot."""

    catalogue: dict[str, Indicator]
    versions: dict[str, list[tuple[object, Expr]]]
    aggregates: dict[Slot, dict[tuple[int, int], Aggregate]] = field(default_factory=dict)
    specs: dict[str, _Spec] = field(default_factory=dict)
    pulled: PulledValues = field(default_factory=PulledValues)
    # Per indicator and slot, not per org unit: worked out once for the thousands of rows of an answer.
    formulas: dict[tuple[str, Period], tuple[Expr, References] | None] = field(default_factory=dict)
    series_of: dict[tuple[str, Slot], _Series] = field(default_factory=dict)
    notes: dict[tuple[int, int, str], str] = field(default_factory=dict)  # cause notes by indicator, unit, period
    states: dict[tuple[int, int, str], str] = field(default_factory=dict)  # cells with no number, and why

    def spec(self, code: str) -> _Spec:
        if code not in self.specs:
            self.specs[code] = _Spec.of(self.catalogue[code])
        return self.specs[code]

    def series(self, code: str, slot: Slot) -> _Series:
        """``code`` in ``slot`` for every root; read only once the aggregates of the slots are in."""
        key = (code, slot)
        found = self.series_of.get(key)
        if found is None:
            found = self.series_of[key] = _Series(self, code, slot)
        return found

    def value(self, code: str, root_id: int, slot: Slot) -> EvalResult:
        return self.series(code, slot).value(root_id)

    def units(self, code: str, root_id: int, slot: Slot) -> int:
        """Org units whose values a figure rests on: an input's reporting units; a formula's input with
        the fewest (every input must be there for the formula's figure)."""
        return self.series(code, slot).units(root_id)

    def formula(self, code: str, period: Period) -> Expr | None:
        found = self.formula_refs(code, period)
        return None if found is None else found[0]

    def formula_refs(self, code: str, period: Period) -> tuple[Expr, References] | None:
        """The formula of ``code`` in effect for ``period`` and the codes it reads, or None."""
        key = (code, period)
        if key not in self.formulas:
            expr: Expr | None = effective_version(period, self.versions.get(code, []))  # type: ignore[arg-type]
            self.formulas[key] = None if expr is None else (expr, referenced_codes(expr))
        return self.formulas[key]


_NO_DATA = EvalResult(None, NO_DATA)


class _Series:
    """One indicator in one slot, for any root (an answer's column): what does not depend on the root
    is settled once, and the results are memoised by root."""

    __slots__ = (
        "aggregates", "book", "code", "counted", "fixed", "formula", "period_code", "previous", "previous_code",
        "results", "slot", "spec",
    )  # fmt: skip

    def __init__(self, book: _Book, code: str, slot: Slot) -> None:
        spec = book.spec(code)
        self.book = book
        self.code = code
        self.spec = spec
        self.slot = slot
        self.period_code = slot.period.code
        self.previous = slot.previous()
        self.previous_code = self.previous.period.code
        self.aggregates = book.aggregates.get(slot, {})
        self.formula = None if spec.is_input else book.formula_refs(code, slot.period)
        self.results: dict[int, EvalResult] = {}
        self.counted: dict[int, int] = {}
        # The result every root shares, if any: why there is no value whatever the root.
        self.fixed: EvalResult | None = None
        if not can_report_for(slot.period, spec.periodicity):
            self.fixed = EvalResult(None, "period_finer_than_periodicity")
        elif slot not in book.aggregates:
            self.fixed = _NO_DATA
        elif not spec.is_input and self.formula is None:
            self.fixed = EvalResult(None, "no_formula_in_effect")

    def value(self, root_id: int) -> EvalResult:
        found = self.results.get(root_id)
        if found is None:
            found = self.results[root_id] = self._compute(root_id)
        return found

    def units(self, root_id: int) -> int:
        found = self.counted.get(root_id)
        if found is None:
            found = self.counted[root_id] = self._units(root_id)
        return found

    def _units(self, root_id: int) -> int:
        if self.fixed is not None:
            return 0
        if self.spec.is_input:
            if self.book.pulled.is_pulled(self.spec.id):
                return 0
            found = self.aggregates.get((self.spec.id, root_id))
            return found.units if found else 0
        assert self.formula is not None
        _, refs = self.formula
        counts = [self.book.units(c, root_id, self.slot) for c in sorted(refs.current)]
        return min(counts) if counts else 0

    def _compute(self, root_id: int) -> EvalResult:
        if self.fixed is not None:
            return self.fixed
        spec = self.spec
        if spec.is_input:
            if self.book.pulled.is_pulled(spec.id):
                return self.book.pulled.result(spec.id, root_id, self.period_code, self.slot.ytd)
            found = self.aggregates.get((spec.id, root_id))
            if found is None:
                return _NO_DATA
            if spec.ratio_scale is not None:
                return _ratio_result(found, spec.ratio_scale)
            return EvalResult(found.value, None) if found.value is not None else _NO_DATA
        assert self.formula is not None  # else fixed
        expr, refs = self.formula
        current = {c: self.book.value(c, root_id, self.slot).value for c in refs.current}
        previous = {c: self.book.value(c, root_id, self.previous).value for c in refs.previous}
        return evaluate(expr, current, previous)


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

    async def _closure(self, codes: list[str]) -> _Book:
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
        return _Book(catalogue, versions)

    async def run(self, principal: Principal, query: AnalyticsQuery) -> AnalyticsAnswer:
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
        rows = self._rows(book, query, units, targets)
        return AnalyticsAnswer(rows=rows, data=query.data, data_as_of=self.clock())

    def _rows(
        self,
        book: _Book,
        query: AnalyticsQuery,
        units: list[OrgUnit],
        targets: dict[tuple[int, int], dict[str, TargetFigures]],
    ) -> list[AnalyticsRow]:
        """One row per indicator × org unit × period, in that order, from what the request has read."""
        rows: list[AnalyticsRow] = []
        periods = list(dict.fromkeys(query.periods))
        unit_keys = [(unit.id, unit.code) for unit in units]
        for code in dict.fromkeys(query.indicators):
            columns = [book.series(code, Slot(period, query.ytd)) for period in periods]
            indicator_id = book.catalogue[code].id
            for unit_id, unit_code in unit_keys:
                known = targets.get((indicator_id, unit_id), {})
                for column in columns:
                    rows.append(self._row(book, column, unit_id, unit_code, known, query.previous))
        return rows

    async def _targets(
        self, book: _Book, query: AnalyticsQuery, units: list[OrgUnit]
    ) -> dict[tuple[int, int], dict[str, TargetFigures]]:
        periods: set[str] = set()
        for period in query.periods:
            periods |= {period.code, str(period.year)}
            if period.type is PeriodType.MONTH:
                periods.add(period.parent(PeriodType.QUARTER).code)
        ids = [book.catalogue[c].id for c in query.indicators]
        return await self.repo.targets(ids, [u.id for u in units], sorted(periods))

    def _row(
        self,
        book: _Book,
        column: _Series,
        unit_id: int,
        unit_code: str,
        known: dict[str, TargetFigures],
        with_previous: bool,
    ) -> AnalyticsRow:
        spec = column.spec
        slot = column.slot
        result = column.value(unit_id)
        value = present(result.value, spec.precision)
        numerator = denominator = None
        pulled_fields: dict[str, Any] = {}
        reported_units = column.units(unit_id)
        if spec.is_input:
            pulled_fields = book.pulled.fields(spec.id, unit_id, column.period_code, slot.ytd)
            found = column.aggregates.get((spec.id, unit_id))
            if spec.ratio_scale is not None and found is not None:
                numerator, denominator = plain(found.numerator), plain(found.denominator)
        elif column.formula is not None:
            expr, refs = column.formula
            current = {c: book.value(c, unit_id, slot).value for c in refs.current}
            previous = {c: book.value(c, unit_id, column.previous).value for c in refs.previous}
            ratio = evaluate_ratio(expr, current, previous)
            if ratio is not None:
                numerator, denominator = plain(ratio.numerator), plain(ratio.denominator)
        judged = judge(
            value,
            slot.period,
            known,
            ytd=slot.ytd,
            direction=spec.direction,
            thresholds=spec.thresholds,
            time_aggregation=spec.time_aggregation,
            declared_max=spec.indicator.declared_max,
            cause_note_pct=spec.indicator.cause_note_pct,
        )
        target = judged.target
        note = _note(known, slot.period) if target is None and judged.target_low is None and known else None
        previous_period = previous_value = None
        if with_previous:
            previous_period = column.previous_code
            previous_value = present(book.value(column.code, unit_id, column.previous).value, spec.precision)
        row = {
            "indicator_code": column.code,
            "org_unit_code": unit_code,
            "period": column.period_code,
            "ytd": slot.ytd,
            "value": value,
            "reason": None
            if value is not None
            else book.states.get((spec.id, unit_id, column.period_code), result.reason),
            "numerator": numerator,
            "denominator": denominator,
            "target": target,
            "target_period": judged.target_period,
            "baseline": judged.baseline,
            "target_low": judged.target_low,
            "target_high": judged.target_high,
            "deviation": judged.deviation,
            "deviation_pct": judged.deviation_pct,
            "status": judged.status,
            "status_reason": f"no numeric target: {note}" if note else judged.status_reason,
            "warning": judged.warning,
            "cause_note_required": judged.cause_note_required,
            "cause_note": book.notes.get((spec.id, unit_id, column.period_code)),
            "previous_period": previous_period,
            "previous_value": previous_value,
            "reported_units": reported_units,
            "unit": spec.unit,
            "precision": spec.precision,
            **pulled_fields,
        }
        return trusted_row(row)


def _needed_inputs(book: _Book, query: AnalyticsQuery) -> dict[Slot, set[str]]:
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


def _ratio_result(found: Aggregate, scale: Decimal) -> EvalResult:
    """Σ numerator ÷ Σ denominator × scale of a ratio input."""
    if found.numerator is None or found.denominator is None:
        return _NO_DATA
    if found.denominator.is_zero():
        return EvalResult(None, "division_by_zero")
    return EvalResult(_RATIO.divide(_RATIO.multiply(found.numerator, scale), found.denominator), None)


def _note(known: dict[str, TargetFigures], period: Period) -> str | None:
    for code in (period.code, str(period.year)):
        if code in known and known[code].note:
            return known[code].note
    return None


def _overlaps(scope: Scope, path: str) -> bool:
    """True when the parent is in scope or holds part of it (a region's admin asking under RU)."""
    if scope.paths is None or scope.covers_path(path):
        return True
    return any(p.startswith(path) for p in scope.paths)
