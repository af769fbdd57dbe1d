from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from roadmap_api.improvements.rules import (
    Direction,
    LeanResult,
    Movement,
    agrees_with_printed,
    compute_effect,
    load_lean_before_after,
    target_achieved,
)

LOWER = Direction.LOWER_IS_BETTER
HIGHER = Direction.HIGHER_IS_BETTER


class TestComputeEffect:
    def test_call_centre_19_to_6(self) -> None:
        effect = compute_effect(Decimal(19), Decimal(6), LOWER, target=Decimal(10))
        assert effect.movement is Movement.REDUCED
        assert effect.factor == Decimal(19) / Decimal(6)
        assert effect.label() == "reduced 3.2×"
        assert effect.improved is True
        assert effect.target_achieved is True
        assert effect.change_pct is not None
        assert round(effect.change_pct, 2) == Decimal("-68.42")

    def test_lower_is_better_getting_worse(self) -> None:
        effect = compute_effect(Decimal(6), Decimal(19), LOWER, target=Decimal(10))
        assert effect.movement is Movement.INCREASED
        assert effect.label() == "increased 3.2×"
        assert effect.improved is False
        assert effect.target_achieved is False

    def test_higher_is_better(self) -> None:
        effect = compute_effect(Decimal(40), Decimal(80), HIGHER, target=Decimal(80))
        assert (effect.movement, effect.improved, effect.target_achieved) == (Movement.INCREASED, True, True)
        assert effect.label() == "increased 2×"
        assert effect.change_pct == Decimal(100)
        assert compute_effect(Decimal(80), Decimal(40), HIGHER).improved is False

    def test_unchanged(self) -> None:
        effect = compute_effect(Decimal(5), Decimal(5), LOWER)
        assert (effect.movement, effect.factor, effect.improved, effect.label()) == (
            Movement.UNCHANGED,
            Decimal(1),
            False,
            "unchanged",
        )
        assert effect.target_achieved is None

    def test_zero_values_have_no_finite_factor(self) -> None:
        to_zero = compute_effect(Decimal(12), Decimal(0), LOWER)
        assert (to_zero.factor, to_zero.change_pct, to_zero.label()) == (None, Decimal(-100), "reduced to zero")
        from_zero = compute_effect(Decimal(0), Decimal(3), HIGHER)
        assert (from_zero.factor, from_zero.change_pct, from_zero.label()) == (None, None, "increased from zero")

    def test_negative_values_are_refused(self) -> None:
        with pytest.raises(ValueError):
            compute_effect(Decimal(-1), Decimal(3), HIGHER)

    @pytest.mark.parametrize(
        ("after", "target", "direction", "achieved"),
        [("6", "6", LOWER, True), ("7", "6", LOWER, False), ("90", "90", HIGHER, True), ("89", "90", HIGHER, False)],
    )
    def test_target_achieved_is_direction_aware(
        self, after: str, target: str, direction: Direction, achieved: bool
    ) -> None:
        assert target_achieved(Decimal(after), Decimal(target), direction) is achieved


class TestAgreesWithPrinted:
    @pytest.mark.parametrize(
        ("computed", "printed", "agrees"),
        [
            (Decimal(19) / 6, "3", True),  # 3.17 printed as an integer
            (Decimal(30) / 8, "3.7", True),  # 3.75 truncated by the source
            (Decimal(45) / 13, "3.5", True),  # 3.46 rounded by the source
            (Decimal("3.85"), "3.7", False),
            (Decimal("4.1"), "3", False),
        ],
    )
    def test_tolerance_is_one_unit_of_the_printed_last_digit(
        self, computed: Decimal, printed: str, agrees: bool
    ) -> None:
        assert agrees_with_printed(computed, Decimal(printed)) is agrees


class TestLeanReference:
    @pytest.fixture()
    def results(self, reference_dir: Path) -> list[LeanResult]:
        return load_lean_before_after(reference_dir / "lean_before_after.csv")

    def test_loads_five_typed_records(self, results: list[LeanResult]) -> None:
        assert len(results) == 5
        first = results[0]
        assert (first.before, first.after_min, first.after_max) == (Decimal(19), Decimal(6), Decimal(6))
        assert first.direction is LOWER
        assert first.as_of == date(2019, 5, 1)
        ranged = results[4]
        assert (ranged.after_raw, ranged.after_min, ranged.after_max) == ("1-2", Decimal(1), Decimal(2))

    def test_computed_factors_agree_with_printed(self, results: list[LeanResult]) -> None:
        for result in results:
            worse, better = result.effects()
            assert worse.improved and better.improved, result.metric_en
            assert worse.factor is not None and better.factor is not None
            assert agrees_with_printed(worse.factor, result.printed_factor_min), result.metric_en
            assert agrees_with_printed(better.factor, result.printed_factor_max), result.metric_en

    def test_range_gives_factor_range(self, results: list[LeanResult]) -> None:
        worse, better = results[4].effects()  # 6 → 1-2 visits, printed "в 3-6 раз"
        assert (worse.factor, better.factor) == (Decimal(3), Decimal(6))
