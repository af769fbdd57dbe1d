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
from decimal import Context, Decimal
from typing import NamedTuple

from kpi_api.indicators.rules import Aggregation, Direction, round_for_display
from kpi_api.numbers import plain
from kpi_api.targets.resolve import target_for
from kpi_api.targets.rules import Status, StatusResult, Thresholds, number_text, status_vs_target
from zdrav_shared.periods import Period, PeriodType

_CTX = Context(prec=34)


class TargetFigures(NamedTuple):
    """What analytics reads of a target."""

    target: Decimal | None
    baseline: Decimal | None
    note: str | None
    target_low: Decimal | None = None
    target_high: Decimal | None = None


class Judgement(NamedTuple):
    """The fields of a row that judging its value gives (a NamedTuple: built thousands of times per
    analytics answer, where a frozen dataclass of eleven fields cost more than the judging itself)."""

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
    return _range_in(_range_codes(period), known)


def _range_in(codes: tuple[str, ...], known: Mapping[str, TargetFigures]) -> tuple[Decimal, Decimal, str] | None:
    """The first of ``codes`` with a whole range among ``known``: (low, high, code)."""
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
    span = f"{number_text(low)}–{number_text(high)}"
    if low <= value <= high:
        inside = f"value {number_text(value)} is inside the target range {span}"
        return StatusResult(Status.ACHIEVED, inside), Decimal(0)
    bound = low if value < low else high
    deviation = _CTX.subtract(value, bound)
    side = "below" if value < low else "above"
    if bound.is_zero():
        outside = f"value {number_text(value)} is {side} the target range {span}"
        return StatusResult(Status.OFF_TRACK, outside), deviation
    attainment = _CTX.subtract(1, _CTX.divide(_CTX.abs(deviation), _CTX.abs(bound)))
    if attainment >= thresholds.on_track_ratio:
        status = Status.ON_TRACK
    elif attainment >= thresholds.at_risk_ratio:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    gap = number_text(round_for_display(_CTX.multiply(_CTX.divide(_CTX.abs(deviation), _CTX.abs(bound)), 100), 1))
    return StatusResult(status, f"value {number_text(value)} is {side} the target range {span} by {gap} %"), deviation


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
    rules = JudgeRules(period, ytd, direction, thresholds, time_aggregation, declared_max, cause_note_pct)
    return Judge(rules)(value, known)


class JudgeRules(NamedTuple):
    """What judging an indicator's value in a period rests on, besides the value and its targets."""

    period: Period
    ytd: bool
    direction: Direction
    thresholds: Thresholds
    time_aggregation: Aggregation | None
    declared_max: Decimal | None
    cause_note_pct: Decimal | None


class Judge:
    """:func:`judge` for one indicator in one period, the rows' values and targets given per call.

    What does not depend on the row — the period's codes, where its range and target are looked up, the
    indicator's rules — is settled once for the thousands of rows of an analytics column."""

    __slots__ = (
        "cause_note_pct", "declared_max", "direction", "exact_code", "period", "range_codes",
        "thresholds", "time_aggregation", "ytd",
    )  # fmt: skip

    def __init__(self, rules: JudgeRules) -> None:
        period = rules.period
        self.period = period
        self.ytd = rules.ytd
        self.direction = rules.direction
        self.thresholds = rules.thresholds
        self.time_aggregation = rules.time_aggregation
        self.declared_max = rules.declared_max
        self.cause_note_pct = rules.cause_note_pct
        # A year to date inside the year has no range (a corridor is not cumulative) and its target is
        # the year's share: no look-up by the period's own code.
        to_date = rules.ytd and period.type is not PeriodType.YEAR
        self.range_codes: tuple[str, ...] = () if to_date else _range_codes(period)
        self.exact_code: str | None = None if to_date else period.code

    @classmethod
    def of(cls, rules: JudgeRules) -> Judge:
        """The judge of these rules, the same object for every request that reads them. An analytics row's
        key holds its judge and compares it by identity: the same judge is the same rules (a judge made
        again after the store was cleared is only a miss), at no cost per row for comparing seven fields."""
        found = _JUDGES.get(rules)
        if found is None:
            if len(_JUDGES) >= _MAX_JUDGES:  # rules of definitions since replaced: start again
                _JUDGES.clear()
            found = _JUDGES[rules] = cls(rules)
        return found

    def __call__(self, value: Decimal | None, known: Mapping[str, TargetFigures]) -> Judgement:
        low = high = target = target_period = baseline = None
        if known:
            found = _range_in(self.range_codes, known)
            if found is not None:
                low, high, target_period = found
            else:
                # target_for's first look-up made here, the period's own target (none for a year to date);
                # the mapping of bare targets it reads is built only when that one is missing.
                exact = self.exact_code
                figures = known.get(exact) if exact is not None else None
                if figures is not None and figures.target is not None:
                    target, target_period = figures.target, exact
                else:
                    bare = {code: figures.target for code, figures in known.items()}
                    target, target_period = target_for(self.period, bare, self.time_aggregation, ytd=self.ytd)
            if target_period is not None:
                figures = known.get(target_period)
                if figures is not None:
                    baseline = figures.baseline
        if low is not None and high is not None:
            if value is None:
                verdict = StatusResult(
                    Status.NO_DATA, f"no value has been reported (target range {number_text(low)}–{number_text(high)})"
                )
                deviation = base = None
            else:
                verdict, deviation = range_status(value, low, high, self.thresholds)
                base = (low if deviation < 0 else high) if deviation else None
        else:
            verdict = status_vs_target(value, target, self.direction, self.thresholds)
            deviation = _CTX.subtract(value, target) if value is not None and target is not None else None
            base = target
        deviation_pct = None
        if deviation is not None and base is not None and not base.is_zero():
            deviation_pct = round_for_display(_CTX.multiply(_CTX.divide(deviation, base), 100), 1)
        elif deviation is not None and deviation.is_zero():
            deviation_pct = Decimal(0)
        warning = None
        declared_max = self.declared_max
        if value is not None and declared_max is not None and value > declared_max:
            warning = (
                f"value {number_text(value)} exceeds the declared maximum {number_text(declared_max)}: check the figure"
            )
            verdict = StatusResult(Status.IMPLAUSIBLE, warning)
        cause_note_pct = self.cause_note_pct
        required = (
            cause_note_pct is not None
            and deviation_pct is not None
            and abs(deviation_pct) > cause_note_pct
            and verdict.status is not Status.IMPLAUSIBLE
        )
        return Judgement(
            None if target is None else plain(target),
            target_period,
            None if baseline is None else plain(baseline),
            None if low is None else plain(low),
            None if high is None else plain(high),
            None if deviation is None else plain(deviation),
            deviation_pct,
            verdict.status,
            verdict.reason,
            warning,
            required,
        )


_JUDGES: dict[JudgeRules, Judge] = {}
_MAX_JUDGES = 4096
"""Judges by their rules (``Judge.of``): an indicator's in each period asked, a few thousand at most."""


def _range_codes(period: Period) -> tuple[str, ...]:
    """Where :func:`range_for` looks for the range of ``period``, in its order."""
    codes = [period.code]
    if period.type is PeriodType.MONTH:
        codes.append(period.parent(PeriodType.QUARTER).code)
    codes.append(str(period.year))
    return tuple(codes)
