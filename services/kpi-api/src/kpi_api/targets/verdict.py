"""A value against its target as the programmes print them: one number, a range ("4-14", achieved
inside it), a declared maximum a share cannot pass, and the cause note a large deviation needs.

Pure: analytics hands in what it read and gets the fields of its row back.

* **Range.** Inside ``[low, high]`` (bounds included) is ``achieved`` with deviation 0. Outside, the
  deviation is measured from the nearer bound (value − bound) and the attainment is
  ``1 − |value − bound| ÷ |bound|``, judged by the indicator's ``on_track``/``at_risk`` ratios like
  a single target; a bound of 0 leaves no scale, so outside it is ``off_track``.
* **Declared maximum.** A value above ``declared_max`` (a share of at most 100) is not a result but a
  figure to check: status ``implausible`` with a ``warning``, never ``achieved``.
* **Cause note.** When ``|deviation_pct|`` passes the indicator's ``cause_note_pct`` the row says
  ``cause_note_required`` (the programmes demand "анализ факторов").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import NamedTuple

from kpi_api.indicators.rules import Aggregation, Direction, round_for_display
from kpi_api.numbers import plain
from kpi_api.targets.resolve import target_for
from kpi_api.targets.rules import Status, StatusResult, Thresholds, status_vs_target
from zdrav_shared.periods import Period, PeriodType

_CTX = Context(prec=34)


class TargetFigures(NamedTuple):
    """What analytics reads of a target."""

    target: Decimal | None
    baseline: Decimal | None
    note: str | None
    target_low: Decimal | None = None
    target_high: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    target: Decimal | None
    target_period: str | None
    baseline: Decimal | None
    target_low: Decimal | None
    target_high: Decimal | None
    deviation: Decimal | None
    deviation_pct: Decimal | None
    status: Status
    status_reason: str
    warning: str | None
    cause_note_required: bool


def range_for(period: Period, known: Mapping[str, TargetFigures]) -> tuple[Decimal, Decimal, str] | None:
    """The range that holds for ``period``: its own, else its quarter's (a month), else its year's. A
    range is a rate's corridor: it is never split pro rata."""
    codes = [period.code]
    if period.type is PeriodType.MONTH:
        codes.append(period.parent(PeriodType.QUARTER).code)
    codes.append(str(period.year))
    for code in codes:
        figures = known.get(code)
        if figures is not None and figures.target_low is not None and figures.target_high is not None:
            return figures.target_low, figures.target_high, code
    return None


def range_status(value: Decimal, low: Decimal, high: Decimal, thresholds: Thresholds) -> tuple[StatusResult, Decimal]:
    """The status of ``value`` against the range and its deviation from the nearer bound.

    >>> range_status(Decimal(9), Decimal(4), Decimal(14), Thresholds())[0].status.value
    'achieved'
    """
    span = f"{_fmt(low)}–{_fmt(high)}"
    if low <= value <= high:
        return StatusResult(Status.ACHIEVED, f"value {_fmt(value)} is inside the target range {span}"), Decimal(0)
    bound = low if value < low else high
    deviation = _CTX.subtract(value, bound)
    side = "below" if value < low else "above"
    if bound.is_zero():
        return StatusResult(Status.OFF_TRACK, f"value {_fmt(value)} is {side} the target range {span}"), deviation
    attainment = _CTX.subtract(1, _CTX.divide(_CTX.abs(deviation), _CTX.abs(bound)))
    if attainment >= thresholds.on_track_ratio:
        status = Status.ON_TRACK
    elif attainment >= thresholds.at_risk_ratio:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    gap = _fmt(round_for_display(_CTX.multiply(_CTX.divide(_CTX.abs(deviation), _CTX.abs(bound)), 100), 1))
    return StatusResult(status, f"value {_fmt(value)} is {side} the target range {span} by {gap} %"), deviation


def judge(
    value: Decimal | None,
    period: Period,
    known: Mapping[str, TargetFigures],
    *,
    ytd: bool,
    direction: Direction,
    thresholds: Thresholds,
    time_aggregation: Aggregation | None,
    declared_max: Decimal | None,
    cause_note_pct: Decimal | None,
) -> Judgement:
    """Target, deviation, status and warnings of one analytics row."""
    low = high = None
    target_period: str | None
    found = range_for(period, known) if known and not (ytd and period.type is not PeriodType.YEAR) else None
    if found is not None:
        low, high, target_period = found
        target = None
        verdict, deviation = (
            range_status(value, low, high, thresholds)
            if value is not None
            else (
                StatusResult(Status.NO_DATA, f"no value has been reported (target range {_fmt(low)}–{_fmt(high)})"),
                None,
            )
        )
        base = (low if deviation is not None and deviation < 0 else high) if deviation else None
    else:
        target, target_period = (
            target_for(period, {p: t.target for p, t in known.items()}, time_aggregation, ytd=ytd)
            if known
            else (None, None)
        )
        verdict = status_vs_target(value, target, direction, thresholds)
        deviation = _CTX.subtract(value, target) if value is not None and target is not None else None
        base = target
    deviation_pct = None
    if deviation is not None and base is not None and not base.is_zero():
        deviation_pct = round_for_display(_CTX.multiply(_CTX.divide(deviation, base), 100), 1)
    elif deviation is not None and deviation.is_zero():
        deviation_pct = Decimal(0)
    baseline = None
    if target_period is not None and known.get(target_period) is not None:
        baseline = known[target_period].baseline
    warning = None
    if value is not None and declared_max is not None and value > declared_max:
        warning = f"value {_fmt(value)} exceeds the declared maximum {_fmt(declared_max)}: check the figure"
        verdict = StatusResult(Status.IMPLAUSIBLE, warning)
    required = (
        cause_note_pct is not None
        and deviation_pct is not None
        and abs(deviation_pct) > cause_note_pct
        and verdict.status is not Status.IMPLAUSIBLE
    )
    return Judgement(
        target=plain(target),
        target_period=target_period,
        baseline=plain(baseline),
        target_low=plain(low),
        target_high=plain(high),
        deviation=plain(deviation),
        deviation_pct=deviation_pct,
        status=verdict.status,
        status_reason=verdict.reason,
        warning=warning,
        cause_note_required=required,
    )


def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
