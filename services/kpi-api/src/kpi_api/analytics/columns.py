"""An analytics answer's columns: one indicator in one slot (a period, or the year to date up to it) for
every root, and the book of what one request has read that they are worked out from.

What does not depend on the root — the indicator's rules, the formula in effect, the judge of its
targets — is settled once per column, and each root's result is memoised: an answer has thousands of
rows and a formula reads its inputs' figures again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Context, Decimal

from kpi_api.analytics.repository import Aggregate, Window
from kpi_api.formulas import EvalResult, Expr, References, evaluate, evaluate_parts, ratio_parts, referenced_codes
from kpi_api.indicators.rules import (
    DEFAULT_RATIO_SCALE,
    Aggregation,
    Direction,
    IndicatorKind,
    Periodicity,
    can_report_for,
    effective_version,
)
from kpi_api.models import Indicator
from kpi_api.numbers import plain
from kpi_api.sources.overlay import PulledValues
from kpi_api.targets.rules import Thresholds
from kpi_api.targets.verdict import Judge, JudgeRules
from zdrav_shared.periods import Period

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


@dataclass(frozen=True, slots=True)
class Spec:
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
    def of(cls, indicator: Indicator) -> Spec:
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
class Book:
    """What one request has read: the catalogue closure, formula versions and aggregates per slot."""

    catalogue: dict[str, Indicator]
    versions: dict[str, list[tuple[object, Expr]]]
    aggregates: dict[Slot, dict[tuple[int, int], Aggregate]] = field(default_factory=dict)
    specs: dict[str, Spec] = field(default_factory=dict)
    pulled: PulledValues = field(default_factory=PulledValues)
    # Per indicator and slot, not per org unit: worked out once for the thousands of rows of an answer.
    formulas: dict[tuple[str, Period], tuple[Expr, References] | None] = field(default_factory=dict)
    columns: dict[tuple[str, Slot], Column] = field(default_factory=dict)
    notes: dict[tuple[int, int, str], str] = field(default_factory=dict)  # cause notes by indicator, unit, period
    states: dict[tuple[int, int, str], str] = field(default_factory=dict)  # cells with no number, and why

    def spec(self, code: str) -> Spec:
        if code not in self.specs:
            self.specs[code] = Spec.of(self.catalogue[code])
        return self.specs[code]

    def column(self, code: str, slot: Slot) -> Column:
        """``code`` in ``slot`` for every root; read only once the aggregates of the slots are in."""
        key = (code, slot)
        found = self.columns.get(key)
        if found is None:
            found = self.columns[key] = Column(self, code, slot)
        return found

    def value(self, code: str, root_id: int, slot: Slot) -> EvalResult:
        return self.column(code, slot).value(root_id)

    def units(self, code: str, root_id: int, slot: Slot) -> int:
        """Org units whose values a figure rests on: an input's reporting units; a formula's input with
        the fewest (every input must be there for the formula's figure)."""
        return self.column(code, slot).units(root_id)

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


class Column:
    """One indicator in one slot, for any root (an answer's column): what does not depend on the root
    is settled once, and the results are memoised by root."""

    __slots__ = (
        "aggregates", "book", "code", "counted", "direct", "fixed", "formula", "judge", "period_code", "previous",
        "previous_code", "pulled", "ratio", "reads", "results", "slot", "spec",
    )  # fmt: skip

    def __init__(self, book: Book, code: str, slot: Slot) -> None:
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
        # A ratio formula's numerator and denominator, found in the formula once for every root.
        self.ratio = None if self.formula is None else ratio_parts(self.formula[0])
        self.results: dict[int, EvalResult] = {}
        self.reads: tuple[list[tuple[str, Column]], list[tuple[str, Column]]] | None = None
        self.counted: dict[int, int] = {}
        # The result every root shares, if any: why there is no value whatever the root.
        self.fixed: EvalResult | None = None
        if not can_report_for(slot.period, spec.periodicity):
            self.fixed = EvalResult(None, "period_finer_than_periodicity")
        elif slot not in book.aggregates:
            self.fixed = _NO_DATA
        elif not spec.is_input and self.formula is None:
            self.fixed = EvalResult(None, "no_formula_in_effect")
        self.pulled = spec.is_input and book.pulled.is_pulled(spec.id)
        # An input read straight from its aggregates, the bulk of an answer's rows: its rows' figures
        # come from the aggregate without an EvalResult per root.
        self.direct = spec.is_input and self.fixed is None and not self.pulled and spec.ratio_scale is None
        indicator = spec.indicator
        self.judge = Judge.of(
            JudgeRules(
                slot.period,
                slot.ytd,
                spec.direction,
                spec.thresholds,
                spec.time_aggregation,
                indicator.declared_max,
                indicator.cause_note_pct,
            )
        )

    def figures(self, root_id: int) -> tuple[Decimal | None, str | None, int, Decimal | None, Decimal | None]:
        """What a row shows of the root: the value (not rounded yet) or why there is none, the org units
        it rests on, and the numerator and denominator it carries (ratio inputs and formulas)."""
        if self.direct:
            found = self.aggregates.get((self.spec.id, root_id))
            if found is None:
                return None, NO_DATA, 0, None, None
            value = found.value
            return value, None if value is not None else NO_DATA, found.units, None, None
        result = self.value(root_id)
        numerator = denominator = None
        if self.spec.is_input:
            found = self.aggregates.get((self.spec.id, root_id))
            if self.spec.ratio_scale is not None and found is not None:
                numerator, denominator = plain(found.numerator), plain(found.denominator)
        elif self.ratio is not None:
            current, previous = self._inputs(root_id)
            ratio = evaluate_parts(self.ratio, current, previous)
            numerator, denominator = plain(ratio.numerator), plain(ratio.denominator)
        return result.value, result.reason, self.units(root_id), numerator, denominator

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
            if self.pulled:
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
            if self.pulled:
                return self.book.pulled.result(spec.id, root_id, self.period_code, self.slot.ytd)
            found = self.aggregates.get((spec.id, root_id))
            if found is None:
                return _NO_DATA
            if spec.ratio_scale is not None:
                return _ratio_result(found, spec.ratio_scale)
            return EvalResult(found.value, None) if found.value is not None else _NO_DATA
        assert self.formula is not None  # else fixed
        current, previous = self._inputs(root_id)
        return evaluate(self.formula[0], current, previous)

    def _inputs(self, root_id: int) -> tuple[dict[str, Decimal | None], dict[str, Decimal | None]]:
        """The values a formula reads for ``root_id``: its references now and, for ``prev()``, a period
        before. The columns they come from are looked up once per column, not once per root."""
        if self.reads is None:
            assert self.formula is not None
            refs = self.formula[1]
            self.reads = (
                [(c, self.book.column(c, self.slot)) for c in refs.current],
                [(c, self.book.column(c, self.previous)) for c in refs.previous],
            )
        current, previous = self.reads
        return (
            {c: column.value(root_id).value for c, column in current},
            {c: column.value(root_id).value for c, column in previous},
        )


def _ratio_result(found: Aggregate, scale: Decimal) -> EvalResult:
    """Σ numerator ÷ Σ denominator × scale of a ratio input."""
    if found.numerator is None or found.denominator is None:
        return _NO_DATA
    if found.denominator.is_zero():
        return EvalResult(None, "division_by_zero")
    return EvalResult(_RATIO.divide(_RATIO.multiply(found.numerator, scale), found.denominator), None)
