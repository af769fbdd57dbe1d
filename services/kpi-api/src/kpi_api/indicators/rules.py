"""Pure rules of the indicator catalogue: its vocabularies, period fit, formula versions, outliers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from typing import NamedTuple, TypeVar

from zdrav_shared.periods import Period, PeriodType

T = TypeVar("T")


class Direction(StrEnum):
    """Which way is good: waiting times and deficits are ``lower_is_better``."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Periodicity(StrEnum):
    """How often an indicator is reported; the value names match :class:`PeriodType`."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def period_type(self) -> PeriodType:
        return PeriodType(self.value)


class IndicatorKind(StrEnum):
    """``input`` values are entered; ``formula`` values are computed from other indicators."""

    INPUT = "input"
    FORMULA = "formula"


class Aggregation(StrEnum):
    """How values combine over org units (``aggregation``) or over periods (``time_aggregation``).

    ``ratio`` is for entered shares and rates: each value carries its numerator and denominator, and
    every roll-up — over org units and over time alike — is Σ numerator ÷ Σ denominator × scale.
    """

    SUM = "sum"
    AVERAGE = "average"
    LAST = "last"
    MIN = "min"
    MAX = "max"
    RATIO = "ratio"


DEFAULT_RATIO_SCALE = Decimal(100)
"""A ratio input is a percentage unless it says otherwise (``scale: 1`` for visits per resident)."""


class Source(StrEnum):
    """Where values come from: entered by operators, pulled from survey-api / roadmap-api, or the org
    units' population figures (the built-in POPULATION_* inputs only)."""

    MANUAL = "manual"
    SURVEY = "survey"
    ROADMAP = "roadmap"
    POPULATION = "population"


def period_matches(period: Period, periodicity: Periodicity) -> bool:
    """True when a value for ``period`` can be entered for an indicator of ``periodicity``."""
    return period.type is periodicity.period_type


def can_report_for(period: Period, periodicity: Periodicity) -> bool:
    """True when analytics can show the indicator for ``period``: the same or a coarser type.

    A monthly indicator can be shown for a quarter or a year (aggregated over time), a yearly one
    cannot be shown for a month.
    """
    return period.type.months >= periodicity.period_type.months


def first_period_from(day: date, periodicity: Periodicity) -> Period:
    """The first period of ``periodicity`` that starts on or after ``day``: the first one a formula
    version effective from ``day`` computes (a period keeps the formula in effect at its start)."""
    period = Period.containing(day, periodicity.period_type)
    return period if period.start == day else period.next()


def effective_version(period: Period, versions: Sequence[tuple[date, T]]) -> T | None:
    """The version in effect for ``period``: the latest ``effective_from`` on or before its start.

    ``versions`` are ``(effective_from, formula)`` pairs in any order. When two share a date the
    later one in the sequence wins (pass them in creation order). ``None`` when the period starts
    before every version, i.e. the indicator had no formula yet.
    """
    best: tuple[date, T] | None = None
    for effective_from, version in versions:
        if effective_from <= period.start and (best is None or effective_from >= best[0]):
            best = (effective_from, version)
    return None if best is None else best[1]


# Rounding for display runs for every value of an answer (thousands of rows): one shared context and
# the steps 1, 0.1, 0.01… made once, instead of a fresh local context and step per value.
_DISPLAY_DIGITS = 34
_DISPLAY = Context(prec=_DISPLAY_DIGITS, rounding=ROUND_HALF_UP)
_STEPS = {precision: Decimal(1).scaleb(-precision) for precision in range(13)}


def round_for_display(value: Decimal, precision: int) -> Decimal:
    """Round ``value`` half-up to ``precision`` decimal places: the only rounding Zdrav applies."""
    step = _STEPS.get(precision)
    if step is None:
        step = Decimal(1).scaleb(-precision)
    # Enough digits for the whole integer part and the decimals, or quantize raises InvalidOperation.
    digits = value.adjusted() + precision + 2
    context = _DISPLAY if digits <= _DISPLAY_DIGITS else Context(prec=digits, rounding=ROUND_HALF_UP)
    return value.quantize(step, rounding=ROUND_HALF_UP, context=context)


# -- outliers -----------------------------------------------------------------------------------

MIN_HISTORY = 3
# 1.4826 × MAD estimates the standard deviation of normal data from the median absolute deviation.
MAD_TO_SIGMA = Decimal("1.4826")
MAX_ROBUST_DEVIATIONS = Decimal(3)
MAX_FACTOR = Decimal(3)


class OutlierCheck(NamedTuple):
    """Result of :func:`is_outlier`: unpacks as ``flagged, reason``; truthy only when flagged."""

    flagged: bool
    reason: str | None = None

    def __bool__(self) -> bool:
        # A 2-tuple is always truthy; `if is_outlier(...)` must mean "if flagged".
        return self.flagged


def is_outlier(
    value: Decimal,
    history: Sequence[Decimal | None],
    declared_min: Decimal | None = None,
    declared_max: Decimal | None = None,
) -> OutlierCheck:
    """Whether ``value`` looks like an entry error, so the operator is asked to confirm it.

    1. Outside the indicator's declared ``[declared_min, declared_max]`` → flagged.
    2. With at least :data:`MIN_HISTORY` earlier values (``None`` ignored), let *m* be their median
       and *s* = 1.4826 × their median absolute deviation (a robust standard deviation). The value
       is *far* when ``|value − m| > 3·s``; when *m* > 0 it must also be more than 3 times or less
       than a third of *m* (a relative test that keeps tiny natural changes of a very stable series
       from being flagged). So:

       * *m* > 0: flagged when outside ``[m/3, 3m]`` and (``s`` = 0 or far);
       * *m* ≤ 0 (e.g. growth rates): flagged when ``s`` > 0 and far; with ``s`` = 0 there is no
         scale to judge by, so it is not flagged.

    Deliberately lenient: it is a warning, and a false alarm on every entry would be ignored.
    """
    if declared_min is not None and value < declared_min:
        return OutlierCheck(True, f"value {_fmt(value)} is below the declared minimum {_fmt(declared_min)}")
    if declared_max is not None and value > declared_max:
        return OutlierCheck(True, f"value {_fmt(value)} is above the declared maximum {_fmt(declared_max)}")
    points = [h for h in history if h is not None and h.is_finite()]
    if len(points) < MIN_HISTORY:
        return OutlierCheck(False)
    with localcontext() as ctx:
        ctx.prec = 34
        median = _median(points)
        spread = MAD_TO_SIGMA * _median([abs(p - median) for p in points])
        distance = abs(value - median)
        far = spread > 0 and distance > MAX_ROBUST_DEVIATIONS * spread
        of = f"the median {_fmt(median)} of the last {len(points)} values"
        if median > 0:
            if not (value > MAX_FACTOR * median or value * MAX_FACTOR < median):
                return OutlierCheck(False)
            if spread == 0 or far:
                if value > median:
                    return OutlierCheck(True, f"value {_fmt(value)} is {_fmt(value / median, 1)} times {of}")
                return OutlierCheck(True, f"value {_fmt(value)} is less than a third of {of}")
            return OutlierCheck(False)
        if far:
            deviations = _fmt(distance / spread, 1)
            return OutlierCheck(True, f"value {_fmt(value)} is {deviations} robust deviations from {of}")
        return OutlierCheck(False)


def _median(points: Sequence[Decimal]) -> Decimal:
    ordered = sorted(points)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _fmt(value: Decimal, places: int | None = None) -> str:
    if places is not None:
        value = round_for_display(value, places)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text and places is None else text
