"""The national method's target-setting rule, both directions (hand-computed)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zdrav_shared.targets import suggested_target


@pytest.mark.parametrize(
    ("current", "long_term", "lower", "expected"),
    [
        ("60", "90", False, "67.5"),
        ("89", "90", False, "89.25"),
        ("90", "90", False, "90"),
        ("95", "90", False, "95"),
        ("-10", "30", False, "0"),  # NPS −10 with the long-term 30
        ("30", "10", True, "25"),  # minutes: the gap is closed downwards
        ("19", "6", True, "15.75"),
        ("6", "10", True, "6"),
    ],
)
def test_rule(current: str, long_term: str, lower: bool, expected: str) -> None:
    assert suggested_target(Decimal(current), Decimal(long_term), lower_is_better=lower) == Decimal(expected)


def test_nothing_to_suggest_without_both_figures() -> None:
    assert suggested_target(None, Decimal(90)) is None
    assert suggested_target(Decimal(60), None) is None
