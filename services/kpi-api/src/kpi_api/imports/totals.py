"""Printed totals beside the computed ones: a row labelled "Итого"/"Всего", or a row of an org unit whose
descendants are in the same file (same indicator and period), prints a total. It is kept — the
labelled row in the report, the org unit's row as its value — and compared with the total of the rows
it covers, computed by the indicator's aggregation (a ratio as Σ numerator ÷ Σ denominator × scale).
A difference at the indicator's precision is a warning on that row, never a refusal of the file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal

from kpi_api.indicators.rules import DEFAULT_RATIO_SCALE, Aggregation, round_for_display
from kpi_api.models import Indicator

_CTX = Context(prec=34)


@dataclass(frozen=True, slots=True)
class Part:
    """A row a total covers: its value, or for a ratio its counts."""

    row: int
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def computed_total(indicator: Indicator, parts: Sequence[Part]) -> Decimal | None:
    """The total of ``parts`` by the indicator's aggregation over org units; None when it has none to
    check (a formula indicator, ``last``, or no numbers among the parts)."""
    method = indicator.aggregation
    if method == Aggregation.RATIO:
        counted = [p for p in parts if p.numerator is not None and p.denominator is not None]
        top = sum((p.numerator for p in counted if p.numerator is not None), Decimal(0))
        bottom = sum((p.denominator for p in counted if p.denominator is not None), Decimal(0))
        if not counted or bottom.is_zero():
            return None
        scale = indicator.scale if indicator.scale is not None else DEFAULT_RATIO_SCALE
        return _CTX.divide(_CTX.multiply(top, scale), bottom)
    numbers = [p.value for p in parts if p.value is not None]
    if not numbers:
        return None
    if method in (None, Aggregation.SUM):
        return sum(numbers, Decimal(0))
    if method == Aggregation.AVERAGE:
        return _CTX.divide(sum(numbers, Decimal(0)), len(numbers))
    if method == Aggregation.MIN:
        return min(numbers)
    if method == Aggregation.MAX:
        return max(numbers)
    return None


def total_warning(indicator: Indicator, printed: Decimal, parts: Sequence[Part]) -> str | None:
    """Why the printed total disagrees with the computed one, or None when they agree (or nothing to check)."""
    computed = computed_total(indicator, parts)
    if computed is None:
        return None
    shown = round_for_display(computed, indicator.precision)
    if round_for_display(printed, indicator.precision) == shown:
        return None
    rows = ", ".join(str(p.row) for p in parts if p.value is not None or p.numerator is not None)
    return (
        f"the printed total {_fmt(printed)} differs from the computed {_fmt(shown)} "
        f"({indicator.aggregation or 'sum'} of rows {rows}); both are kept"
    )


def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
