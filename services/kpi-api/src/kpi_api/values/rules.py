"""Pure rules of an entered value: the figure an item carries (a plain value, or a ratio's counts),
where it may be entered (the indicator's reporting level and owner), and four-eyes approval.

Entered ratios. An indicator with ``aggregation: ratio`` is entered as ``numerator`` and
``denominator``; the stored value is numerator ÷ denominator × scale (six decimal places, half-up,
like every stored value). Both counts are required, neither may be negative, and the denominator may
not be zero. A ``value`` sent beside the counts is accepted when it agrees with the computed one at
the indicator's precision (the operator typed the printed share: 82.5 for 412 of 499.4) and refused
otherwise — a disagreeing figure is an entry error, and silently keeping either number would hide it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from kpi_api.indicators.rules import DEFAULT_RATIO_SCALE, Aggregation, round_for_display
from kpi_api.models import Indicator
from zdrav_shared.auth import FEDERATION_CODE

STORED_PLACES = Decimal("0.000001")
MAX_INTEGER_DIGITS = 14  # the value column: 20 digits, 6 of them decimals
_RATIO = Context(prec=34, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Figure:
    """What an item stores: the value, and for ratio indicators the counts it comes from."""

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    state: str | None = None  # no number, and why (value None)


class ItemFault(Exception):
    """A problem with one field of an item: the service turns it into a 422 with its pointer."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def is_ratio(indicator: Indicator) -> bool:
    return indicator.aggregation == Aggregation.RATIO


def ratio_value(numerator: Decimal, denominator: Decimal, scale: Decimal) -> Decimal | None:
    """numerator ÷ denominator × scale, kept to the six decimal places of the value column; None when
    the quotient has more integer digits than the column holds (a tiny denominator)."""
    raw = _RATIO.divide(_RATIO.multiply(numerator, scale), denominator)
    if not raw.is_zero() and raw.adjusted() >= MAX_INTEGER_DIGITS:
        return None
    return raw.quantize(STORED_PLACES, context=_RATIO)


def entered_figure(
    indicator: Indicator,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
    state: str | None = None,
) -> Figure:
    """The figure of an item for ``indicator``, or an :class:`ItemFault` naming the field to fix."""
    if state is not None:
        for name, given in (("value", value), ("numerator", numerator), ("denominator", denominator)):
            if given is not None:
                raise ItemFault(name, f"a cell marked {state} has no number: send the state or the {name}, not both")
        return Figure(None, state=state)
    if not is_ratio(indicator):
        for name, given in (("numerator", numerator), ("denominator", denominator)):
            if given is not None:
                raise ItemFault(
                    name, f"{indicator.code} is not a ratio indicator: send value, without numerator or denominator"
                )
        if value is None:
            raise ItemFault("value", f"{indicator.code} needs a value")
        return Figure(value)
    scale = indicator.scale if indicator.scale is not None else DEFAULT_RATIO_SCALE
    for name, given in (("numerator", numerator), ("denominator", denominator)):
        if given is None:
            raise ItemFault(
                name, f"{indicator.code} is a ratio (× {_plain(scale)}): send both numerator and denominator"
            )
        if given < 0:
            raise ItemFault(name, f"the {name} is a count: it cannot be negative")
    assert numerator is not None and denominator is not None
    if denominator == 0:
        raise ItemFault("denominator", f"the denominator of {indicator.code} is zero: the share has no base")
    computed = ratio_value(numerator, denominator, scale)
    if computed is None:
        raise ItemFault(
            "denominator",
            f"numerator ÷ denominator × {_plain(scale)} has more than {MAX_INTEGER_DIGITS} digits before the "
            "point: check the counts",
        )
    if value is not None:
        shown, sent = (round_for_display(v, indicator.precision) for v in (computed, value))
        if shown != sent:
            raise ItemFault(
                "value",
                f"value {_plain(value)} disagrees with numerator ÷ denominator × {_plain(scale)} = {_plain(shown)}: "
                "send the counts alone, or fix the one that is wrong",
            )
    return Figure(computed, numerator, denominator)


def level_problem(indicator: Indicator, unit_level: str, unit_code: str) -> str | None:
    """Why a value of ``indicator`` cannot be entered for a unit of ``unit_level``, or None."""
    level = indicator.reporting_level
    if level is None or level == unit_level:
        return None
    return (
        f"{indicator.code} is entered for org units of level {level}: "
        f"{unit_code} is a{'n' if unit_level[0] in 'aeiou' else ''} {unit_level}"
    )


def owner_problem(indicator: Indicator, lineage: list[str], unit_code: str) -> str | None:
    """A region's own indicator is reported only inside that region."""
    if indicator.owner == FEDERATION_CODE or indicator.owner in lineage:
        return None
    return f"{indicator.code} is {indicator.owner}'s own indicator: {unit_code} is not one of its org units"


def four_eyes_problem(approver: str, entered_by: str | None, submitted_by: str | None) -> str | None:
    """Why ``approver`` may not approve a value, or None: the one who entered or submitted it may not."""
    if approver == entered_by:
        return f"you entered this value ({approver}): another person must approve it"
    if approver == submitted_by:
        return f"you submitted this value ({approver}): another person must approve it"
    return None


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
