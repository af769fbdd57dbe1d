"""Status of a value against its target, year targets split over the year, and aggregation.

Status rule (direction-aware). With ``target ≠ 0`` the *attainment* is

    higher is better: 1 − (target − value) / |target|      (= value / target when target > 0)
    lower is better:  1 − (value − target) / |target|      (the mirror image)

and the status is ``achieved`` when the value meets or beats the target (attainment ≥ 1),
``on_track`` when attainment ≥ ``on_track_ratio`` (default 0.95), ``at_risk`` when ≥
``at_risk_ratio`` (0.85), else ``off_track``. So by default a lower-is-better value may exceed its
target by up to 5 % of it and still be on track. Measuring the gap against ``|target|`` keeps the
rule meaningful for negative targets (growth rates). A target of exactly 0 has no scale for a
relative gap, so the status is binary: ``achieved`` or ``off_track``.

``no_target`` when there is no target (whether or not there is a value); ``no_data`` when there is
a target but no value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext
from enum import StrEnum
from typing import NamedTuple

from kpi_api.indicators.rules import Aggregation, Direction, round_for_display
from zdrav_shared.periods import Period


class Status(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_TARGET = "no_target"
    NO_DATA = "no_data"
    # above the indicator's declared maximum (a share over 100): a figure to check, not a result
    IMPLAUSIBLE = "implausible"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Attainment bounds of ``on_track`` and ``at_risk``; configurable per indicator."""

    on_track_ratio: Decimal = field(default_factory=lambda: Decimal("0.95"))
    at_risk_ratio: Decimal = field(default_factory=lambda: Decimal("0.85"))

    def __post_init__(self) -> None:
        if not 0 < self.at_risk_ratio <= self.on_track_ratio <= 1:
            raise ValueError("thresholds need 0 < at_risk_ratio <= on_track_ratio <= 1")


DEFAULT_THRESHOLDS = Thresholds()


class StatusResult(NamedTuple):
    """A status and why (a NamedTuple: analytics builds one per row, thousands per answer, and a frozen
    dataclass costs twice as much to build)."""

    status: Status
    reason: str


def status_vs_target(
    value: Decimal | None,
    target: Decimal | None,
    direction: Direction,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> StatusResult:
    """The status of ``value`` against ``target`` with a human-readable English reason.

    >>> status_vs_target(Decimal("87.5"), Decimal(90), Direction.HIGHER_IS_BETTER).reason
    'value 87.5 is 97.2 % of target 90 (higher is better)'
    """
    if target is None:
        return StatusResult(Status.NO_TARGET, "no target is set for this period")
    if value is None:
        return StatusResult(Status.NO_DATA, f"no value has been reported (target {number_text(target)})")
    higher = direction is Direction.HIGHER_IS_BETTER
    hint = "higher is better" if higher else "lower is better"
    meets = value >= target if higher else value <= target
    if target.is_zero():
        relation = "meets" if value == target else ("beats" if meets else "misses")
        status = Status.ACHIEVED if meets else Status.OFF_TRACK
        return StatusResult(status, f"value {number_text(value)} {relation} target 0 ({hint})")
    ctx = _STATUS_CONTEXT  # its methods, not a localcontext() per call: analytics asks thousands of times
    gap = ctx.subtract(target, value) if higher else ctx.subtract(value, target)
    size = ctx.abs(target)
    if target > 0:
        percent = _percent(ctx.multiply(ctx.divide(value, target), 100))
        reason = f"value {number_text(value)} is {percent} % of target {number_text(target)} ({hint})"
    else:
        side = "below" if value < target else "above"
        share = _percent(ctx.multiply(ctx.divide(ctx.abs(gap), size), 100))
        reason = (
            f"value {number_text(value)} is {number_text(ctx.abs(ctx.subtract(value, target)))} {side} "
            f"target {number_text(target)}, "
            f"a gap of {share} % of the target's size ({hint})"
        )
    if meets:
        return StatusResult(Status.ACHIEVED, reason)
    attainment = ctx.subtract(1, ctx.divide(gap, size))
    if attainment >= thresholds.on_track_ratio:
        status = Status.ON_TRACK
    elif attainment >= thresholds.at_risk_ratio:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    return StatusResult(status, reason)


_STATUS_CONTEXT = Context(prec=34)
"""The default context with 34 digits: what ``localcontext()`` with ``prec = 34`` gave before."""


def _percent(value: Decimal) -> str:
    return format(round_for_display(value, 1), "f")


def number_text(value: Decimal) -> str:
    """A number as a status reason writes it: without trailing zeros, and 0 without a sign (-0 is not a
    figure; equal numbers read the same, which analytics' kept rows rely on)."""
    if value.is_zero():
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- splitting a year target ----------------------------------------------------------------------
#
# Cumulative (``sum`` over time) indicators — visits, procedures, money — accrue through the year,
# so a part of the year carries a pro-rata part of the year target. Stock or rate indicators
# (``average``, ``last``, ``min``, ``max`` over time) — head counts, percentages — are judged against
# the year target as is in every part of the year.


def _pro_rata(year_target: Decimal, months: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 34
        return year_target * months / 12


def period_share_target(year_target: Decimal, period: Period, time_aggregation: Aggregation) -> Decimal:
    """The target for ``period`` alone (a single quarter or month) derived from a year target.

    ``sum``: the period's share of the year (a quarter 1/4, a month 1/12). Others: the year target.
    """
    if time_aggregation is not Aggregation.SUM:
        return year_target
    return _pro_rata(year_target, period.type.months)


def year_to_date_target(year_target: Decimal, period: Period, time_aggregation: Aggregation) -> Decimal:
    """The target for the year up to and including ``period`` (Q2 → January–June).

    ``sum``: months elapsed / 12 of the year target (Q2 → 2/4, May → 5/12). Others: the year target.
    """
    if time_aggregation is not Aggregation.SUM:
        return year_target
    return _pro_rata(year_target, period.last_month)


# -- aggregation ----------------------------------------------------------------------------------


def aggregate(
    values: Sequence[Decimal | None], method: Aggregation, *, require_complete: bool = False
) -> Decimal | None:
    """Combine ``values`` by ``method``; ``last`` means the last in the given order.

    Missing values (``None``) are skipped — completeness is reported separately — unless
    ``require_complete`` is set, in which case any gap gives ``None``. No values at all give ``None``
    (never 0: an empty sum is "no data", not "zero").
    """
    if require_complete and any(v is None for v in values):
        return None
    present = [v for v in values if v is not None]
    if not present:
        return None
    with localcontext() as ctx:
        ctx.prec = 34
        if method is Aggregation.SUM:
            return sum(present, Decimal(0))
        if method is Aggregation.AVERAGE:
            return sum(present, Decimal(0)) / len(present)
        if method is Aggregation.LAST:
            return present[-1]
        if method is Aggregation.MIN:
            return min(present)
        return max(present)


def aggregate_over_time(values: Mapping[Period, Decimal | None], method: Aggregation) -> Decimal | None:
    """Combine values keyed by period, in chronological order (so ``last`` is the latest period)."""
    return aggregate([values[p] for p in sorted(values)], method)


def aggregate_grid(
    values: Mapping[tuple[str, Period], Decimal | None],
    over_units: Aggregation,
    over_time: Aggregation,
) -> Decimal | None:
    """Combine ``(org_unit_code, period) → value`` first over time per org unit, then over org units.

    Time first is what ``last`` needs: a head count for a quarter is each unit's latest month,
    summed — not the sum of the last month, which would drop a unit that reported earlier only.
    """
    per_unit: dict[str, dict[Period, Decimal | None]] = {}
    for (unit, period), value in values.items():
        per_unit.setdefault(unit, {})[period] = value
    return aggregate([aggregate_over_time(per_unit[u], over_time) for u in sorted(per_unit)], over_units)
