"""``status_vs_target`` does its arithmetic with one shared 34-digit context instead of a
``localcontext()`` per call (analytics asks for thousands of statuses per request): the status and
the reason must be exactly what the per-call context gave."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_api.indicators.rules import Direction
from kpi_api.targets.rules import DEFAULT_THRESHOLDS, Status, _percent, status_vs_target
from kpi_api.targets.rules import number_text as _fmt


def _reference(value: Decimal, target: Decimal, direction: Direction) -> tuple[Status, str]:
    """The former body, kept verbatim for the comparison (non-zero target, value present)."""
    higher = direction is Direction.HIGHER_IS_BETTER
    hint = "higher is better" if higher else "lower is better"
    meets = value >= target if higher else value <= target
    with localcontext() as ctx:
        ctx.prec = 34
        gap = (target - value) if higher else (value - target)
        attainment = 1 - gap / abs(target)
        if target > 0:
            reason = f"value {_fmt(value)} is {_percent(value / target * 100)} % of target {_fmt(target)} ({hint})"
        else:
            side = "below" if value < target else "above"
            share = _percent(abs(gap) / abs(target) * 100)
            reason = (
                f"value {_fmt(value)} is {_fmt(abs(value - target))} {side} target {_fmt(target)}, "
                f"a gap of {share} % of the target's size ({hint})"
            )
    if meets:
        return Status.ACHIEVED, reason
    if attainment >= DEFAULT_THRESHOLDS.on_track_ratio:
        return Status.ON_TRACK, reason
    if attainment >= DEFAULT_THRESHOLDS.at_risk_ratio:
        return Status.AT_RISK, reason
    return Status.OFF_TRACK, reason


_NUMBERS = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15, places=6)


@given(_NUMBERS, _NUMBERS.filter(lambda t: not t.is_zero()), st.sampled_from(list(Direction)))
@settings(max_examples=400)
def test_same_status_and_reason_as_a_per_call_context(value: Decimal, target: Decimal, direction: Direction) -> None:
    found = status_vs_target(value, target, direction)
    assert (found.status, found.reason) == _reference(value, target, direction)


def test_long_operands_are_rounded_to_34_digits_as_before() -> None:
    value, target = Decimal("1." + "3" * 40), Decimal("3." + "7" * 40)
    for direction in Direction:
        found = status_vs_target(value, target, direction)
        assert (found.status, found.reason) == _reference(value, target, direction)
