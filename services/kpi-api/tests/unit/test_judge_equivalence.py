"""``Judge`` (a column's judge, settled once per indicator and period) and the leaner ``status_vs_target``
give what the per-row ``judge`` and ``status_vs_target`` they replaced gave: the same fields, the same
Decimal digits, the same words. The replaced functions are kept below, verbatim, as the reference."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Context, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_api.indicators.rules import Aggregation, Direction, round_for_display
from kpi_api.numbers import plain
from kpi_api.targets.resolve import target_for
from kpi_api.targets.rules import Status, StatusResult, Thresholds, status_vs_target
from kpi_api.targets.rules import number_text as _fmt
from kpi_api.targets.verdict import Judge, JudgeRules, TargetFigures, judge, range_for, range_status
from zdrav_shared.periods import Period, PeriodType

_CTX = Context(prec=34)


def _old_status_vs_target(
    value: Decimal | None, target: Decimal | None, direction: Direction, thresholds: Thresholds
) -> StatusResult:
    if target is None:
        return StatusResult(Status.NO_TARGET, "no target is set for this period")
    if value is None:
        return StatusResult(Status.NO_DATA, f"no value has been reported (target {_fmt(target)})")
    higher = direction is Direction.HIGHER_IS_BETTER
    hint = "higher is better" if higher else "lower is better"
    meets = value >= target if higher else value <= target
    if target.is_zero():
        relation = "meets" if value == target else ("beats" if meets else "misses")
        status = Status.ACHIEVED if meets else Status.OFF_TRACK
        return StatusResult(status, f"value {_fmt(value)} {relation} target 0 ({hint})")
    ctx = _CTX
    gap = ctx.subtract(target, value) if higher else ctx.subtract(value, target)
    size = ctx.abs(target)
    attainment = ctx.subtract(1, ctx.divide(gap, size))
    if target > 0:
        percent = format(round_for_display(ctx.multiply(ctx.divide(value, target), 100), 1), "f")
        reason = f"value {_fmt(value)} is {percent} % of target {_fmt(target)} ({hint})"
    else:
        side = "below" if value < target else "above"
        share = format(round_for_display(ctx.multiply(ctx.divide(ctx.abs(gap), size), 100), 1), "f")
        reason = (
            f"value {_fmt(value)} is {_fmt(ctx.abs(ctx.subtract(value, target)))} {side} target {_fmt(target)}, "
            f"a gap of {share} % of the target's size ({hint})"
        )
    if meets:
        status = Status.ACHIEVED
    elif attainment >= thresholds.on_track_ratio:
        status = Status.ON_TRACK
    elif attainment >= thresholds.at_risk_ratio:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    return StatusResult(status, reason)


def _old_judge(
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
) -> tuple[object, ...]:
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
        verdict = _old_status_vs_target(value, target, direction, thresholds)
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
    return (
        plain(target),
        target_period,
        plain(baseline),
        plain(low),
        plain(high),
        plain(deviation),
        deviation_pct,
        verdict.status,
        verdict.reason,
        warning,
        required,
    )


def _exact(fields: tuple[object, ...]) -> tuple[object, ...]:
    """Decimals by their digits (Decimal("1.0") == Decimal("1") but they are written differently)."""
    return tuple((type(f).__name__, str(f)) for f in fields)


# Values as analytics has them: rounded to a precision (or exact ratios), zero, negative, huge, tiny.
_numbers = st.one_of(
    st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-1000, max_value=10**9).map(Decimal),
    st.sampled_from([Decimal(0), Decimal("0.000000"), Decimal("29.000000"), Decimal("1E+3"), Decimal("-0.5")]),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**14), max_value=10**14),
)
_maybe = st.one_of(st.none(), _numbers)
_periods = st.one_of(
    st.integers(2023, 2026).map(Period.year_of),
    st.builds(Period.quarter_of, st.integers(2023, 2026), st.integers(1, 4)),
    st.builds(Period.month_of, st.integers(2023, 2026), st.integers(1, 12)),
)
_thresholds = st.sampled_from(
    [Thresholds(), Thresholds(Decimal("0.9"), Decimal("0.5")), Thresholds(Decimal(1), Decimal(1))]
)


@st.composite
def _known(draw: st.DrawFn, period: Period) -> dict[str, TargetFigures]:
    """Targets under the codes a row's look-ups read (the period's, its quarter's, its year's) and others."""
    codes = {period.code, str(period.year), f"{period.year}Q{(period.first_month - 1) // 3 + 1}", "2024Q1", "2025"}
    known = {}
    for code in draw(st.lists(st.sampled_from(sorted(codes)), unique=True, max_size=4)):
        ranged = draw(st.booleans())
        low, high = (draw(_maybe), draw(_maybe)) if ranged else (None, None)
        if low is not None and high is not None and low > high:
            low, high = high, low
        note = draw(st.one_of(st.none(), st.just("по приказу")))
        known[code] = TargetFigures(draw(_maybe), draw(_maybe), note, low, high)
    return known


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_a_columns_judge_gives_what_the_row_by_row_judge_gave(data: st.DataObject) -> None:
    period = data.draw(_periods)
    rules = {
        "ytd": data.draw(st.booleans()),
        "direction": data.draw(st.sampled_from(Direction)),
        "thresholds": data.draw(_thresholds),
        "time_aggregation": data.draw(st.one_of(st.none(), st.sampled_from(Aggregation))),
        "declared_max": data.draw(st.one_of(st.none(), st.just(Decimal(100)), _numbers)),
        "cause_note_pct": data.draw(st.one_of(st.none(), st.just(Decimal(10)), _numbers)),
    }
    column = Judge(JudgeRules(period, **rules))
    for _ in range(3):  # one judge, several rows
        value = data.draw(_maybe)
        known = data.draw(_known(period))
        want = _exact(_old_judge(value, period, known, **rules))
        assert _exact(tuple(column(value, known))) == want
        assert _exact(tuple(judge(value, period, known, **rules))) == want


@settings(max_examples=500, deadline=None)
@given(value=_maybe, target=_maybe, direction=st.sampled_from(Direction), thresholds=_thresholds)
def test_status_vs_target_gives_what_it_gave(
    value: Decimal | None, target: Decimal | None, direction: Direction, thresholds: Thresholds
) -> None:
    assert status_vs_target(value, target, direction, thresholds) == _old_status_vs_target(
        value, target, direction, thresholds
    )
