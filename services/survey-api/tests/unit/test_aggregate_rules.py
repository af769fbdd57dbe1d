"""Satisfaction share, NPS, intervals, change tests and targets — checked against hand computations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_api.aggregates.rules import (
    LONG_TERM_NPS,
    NpsCategory,
    NpsCounts,
    ShareCounts,
    group_figures,
    nps,
    nps_category,
    nps_change_z,
    nps_ci95,
    present,
    present_interval,
    round_half_up,
    sample_ok,
    satisfaction_share,
    share_change_z,
    share_ci95,
    significant_change,
    suggested_target,
)


def _close(value: Decimal | None, expected: str) -> bool:
    return value is not None and abs(value - Decimal(expected)) < Decimal("1e-9")


class TestNpsCategory:
    @pytest.mark.parametrize(
        ("score", "category"),
        [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
    )
    def test_boundaries(self, score: int, category: str) -> None:
        assert nps_category(score) is NpsCategory(category)

    @pytest.mark.parametrize("score", [-1, 11, True])
    def test_out_of_range(self, score: int) -> None:
        with pytest.raises(ValueError):
            nps_category(score)


class TestSatisfactionShare:
    def test_by_hand(self) -> None:
        # 61 «Да»/«Скорее да» of 80 answers (dont_know included): 61 × 100 / 80 = 76.25
        assert satisfaction_share(61, 80) == Decimal("76.25")
        assert present(satisfaction_share(61, 80)) == 76.3

    def test_nobody_answered(self) -> None:
        assert satisfaction_share(0, 0) is None
        assert share_ci95(0, 0) is None

    @pytest.mark.parametrize(("positive", "answered"), [(-1, 5), (6, 5), (1, -1)])
    def test_impossible_counts(self, positive: int, answered: int) -> None:
        with pytest.raises(ValueError):
            satisfaction_share(positive, answered)

    def test_wilson_interval_by_hand(self) -> None:
        # 80 of 100, z = 1.96, z² = 3.8416:
        #   centre = (0.8 + 0.019208) / 1.038416 = 0.7889016…
        #   half   = 1.96 / 1.038416 × √(0.0016 + 0.00009604) = 1.887490… × 0.0411829… = 0.0777325…
        #   → [71.1169…, 86.6634…] %, i.e. [71.1, 86.7]
        interval = share_ci95(80, 100)
        assert interval is not None
        assert _close(interval[0], "71.11690380734976388591276590")
        assert _close(interval[1], "86.66340774409012147794911604")
        assert present_interval(interval) == (71.1, 86.7)

    def test_wilson_at_the_edges(self) -> None:
        # 0 of 5: centre = half = (3.8416/10) / (1 + 3.8416/5) = 0.38416 / 1.76832 = 0.2172457…
        #   → [0, 43.449…]; 100 % keeps a lower bound below 100 (Wald would give [100, 100]).
        low, high = share_ci95(0, 5) or (None, None)
        assert low == 0
        assert _close(high, "43.44914947520810712993123416")
        low, high = share_ci95(100, 100) or (None, None)
        assert high == 100
        assert _close(low, "96.30051925239980893976980324")


class TestNps:
    def test_by_hand(self) -> None:
        # 100 responses: 40 promoters, 30 passives, 30 detractors → 40 % − 30 % = 10
        assert nps(40, 30, 30) == 10

    def test_ci_by_hand(self) -> None:
        # p_prom = 0.4, p_det = 0.3: var = (0.4 + 0.3 − 0.1²) / 100 = 0.69 / 100 = 0.0069
        # √0.0069 = 0.0830662…; × 1.96 × 100 = 16.2809827…  →  10 ± 16.281 = [−6.281, 26.281]
        low, high = nps_ci95(40, 30, 30) or (None, None)
        assert _close(low, "-6.28098277131942671106515498")
        assert _close(high, "26.28098277131942671106515498")
        assert present_interval(nps_ci95(40, 30, 30)) == (-6.3, 26.3)

    def test_extremes(self) -> None:
        assert nps(7, 0, 0) == 100
        assert nps(0, 0, 7) == -100
        assert nps(0, 7, 0) == 0
        assert nps_ci95(7, 0, 0) == (Decimal(100), Decimal(100))  # zero variance: the interval is the point

    def test_clipped_to_the_scale(self) -> None:
        # 9 promoters, 1 detractor: NPS 80, var = (0.9 + 0.1 − 0.8²)/10 = 0.036,
        # half = 1.96 × √0.036 × 100 = 1.96 × 0.18973666 × 100 = 37.188385 → [42.8116, 117.19] → high 100
        low, high = nps_ci95(9, 0, 1) or (None, None)
        assert high == 100
        assert _close(low, "42.81161471641985905569301191")

    def test_nobody_answered(self) -> None:
        assert nps(0, 0, 0) is None
        assert nps_ci95(0, 0, 0) is None

    def test_negative_counts(self) -> None:
        with pytest.raises(ValueError):
            nps(1, -1, 0)

    def test_one_third(self) -> None:
        # unrounded inside, rounded half-up at presentation: 100/3 = 33.33… → 33.3
        assert present(nps(1, 2, 0)) == 33.3


_COUNTS = st.tuples(*(st.integers(min_value=0, max_value=10_000),) * 3).filter(lambda c: sum(c) > 0)


@settings(max_examples=200, deadline=None)
@given(_COUNTS)
def test_nps_is_on_the_scale_and_inside_its_interval(counts: tuple[int, int, int]) -> None:
    score = nps(*counts)
    interval = nps_ci95(*counts)
    assert score is not None and interval is not None
    assert -100 <= interval[0] <= score <= interval[1] <= 100


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=100_000), st.data())
def test_share_is_a_percentage_inside_its_interval(answered: int, data: st.DataObject) -> None:
    positive = data.draw(st.integers(min_value=0, max_value=answered))
    share = satisfaction_share(positive, answered)
    interval = share_ci95(positive, answered)
    assert share is not None and interval is not None
    assert 0 <= interval[0] <= share <= interval[1] <= 100


class TestSignificantChange:
    def test_share_z_by_hand(self) -> None:
        # 60/100 → 75/100: pooled p = 135/200 = 0.675, se = √(0.675 × 0.325 × 0.02) = 0.0662382
        # z = 0.15 / 0.0662382 = 2.2646 > 1.96 → significant
        z = share_change_z(ShareCounts(60, 100), ShareCounts(75, 100))
        assert _close(z, "2.264554068289191501221549417")
        assert significant_change(ShareCounts(60, 100), ShareCounts(75, 100))

    def test_share_not_significant_by_hand(self) -> None:
        # 60/100 → 70/100: p = 0.65, se = √(0.65 × 0.35 × 0.02) = 0.0674537, z = 1.4825 < 1.96
        assert _close(share_change_z(ShareCounts(60, 100), ShareCounts(70, 100)), "1.482498633322202358851681935")
        assert not significant_change(ShareCounts(60, 100), ShareCounts(70, 100))

    def test_share_drop_is_significant_too(self) -> None:
        assert significant_change(ShareCounts(75, 100), ShareCounts(60, 100))

    def test_nps_z_by_hand(self) -> None:
        # 40/30/30 (NPS 10, var 0.69/100) → 60/20/20 (NPS 40, var (0.8 − 0.16)/100 = 0.64/100):
        # se = √(0.0069 + 0.0064) = 0.1153256, z = 0.30 / 0.1153256 = 2.6013 → significant
        previous, current = NpsCounts(40, 30, 30), NpsCounts(60, 20, 20)
        assert _close(nps_change_z(previous, current), "2.601329908572359975042296971")
        assert significant_change(previous, current)

    def test_nps_not_significant_by_hand(self) -> None:
        # 40/30/30 → 50/20/30 (NPS 20, var (0.8 − 0.04)/100 = 0.0076):
        # se = √(0.0069 + 0.0076) = 0.1204159, z = 0.10 / 0.1204159 = 0.8305
        previous, current = NpsCounts(40, 30, 30), NpsCounts(50, 20, 30)
        assert _close(nps_change_z(previous, current), "0.8304547985373996882847062780")
        assert not significant_change(previous, current)

    def test_small_samples_are_never_significant(self) -> None:
        assert not significant_change(ShareCounts(0, 20), ShareCounts(20, 20))
        assert significant_change(ShareCounts(0, 20), ShareCounts(20, 20), minimum_sample=20)

    def test_degenerate_samples(self) -> None:
        assert share_change_z(ShareCounts(30, 30), ShareCounts(40, 40)) == 0
        assert nps_change_z(NpsCounts(30, 0, 0), NpsCounts(40, 0, 0)) == 0
        z = nps_change_z(NpsCounts(30, 0, 0), NpsCounts(0, 0, 40))
        assert z is not None and z.is_infinite() and z < 0
        assert significant_change(NpsCounts(30, 0, 0), NpsCounts(0, 0, 40))

    def test_empty_samples(self) -> None:
        assert share_change_z(ShareCounts(0, 0), ShareCounts(1, 1)) is None
        assert nps_change_z(NpsCounts(1, 0, 0), NpsCounts(0, 0, 0)) is None
        assert not significant_change(NpsCounts(0, 0, 0), NpsCounts(0, 0, 0), minimum_sample=0)

    def test_mixed_counts_are_refused(self) -> None:
        with pytest.raises(TypeError):
            significant_change(ShareCounts(1, 2), NpsCounts(1, 1, 0))  # type: ignore[call-overload]

    @settings(max_examples=100, deadline=None)
    @given(_COUNTS)
    def test_no_change_is_never_significant(self, counts: tuple[int, int, int]) -> None:
        same = NpsCounts(*counts)
        assert not significant_change(same, same, minimum_sample=1)
        share = ShareCounts(counts[0], sum(counts))
        assert not significant_change(share, share, minimum_sample=1)


class TestSuggestedTarget:
    def test_methods_example(self) -> None:
        # nsi_health_model.json target_setting_rule.example: current 60, long term 90 → 67.5
        assert suggested_target(Decimal(60)) == Decimal("67.5")

    def test_by_hand(self) -> None:
        # 76.25 + 0.25 × (90 − 76.25) = 76.25 + 3.4375 = 79.6875 → 79.7
        assert suggested_target(Decimal("76.25")) == Decimal("79.6875")
        assert present(suggested_target(Decimal("76.25"))) == 79.7

    def test_nps_uses_its_own_long_term_level(self) -> None:
        # −20 + 0.25 × (30 − (−20)) = −20 + 12.5 = −7.5
        assert suggested_target(Decimal(-20), LONG_TERM_NPS) == Decimal("-7.5")

    def test_at_or_above_the_long_term_level_keeps_the_result(self) -> None:
        assert suggested_target(Decimal(90)) == 90
        assert suggested_target(Decimal("95.5")) == Decimal("95.5")

    def test_no_current_value(self) -> None:
        assert suggested_target(None) is None

    @settings(max_examples=100, deadline=None)
    @given(st.decimals(min_value=0, max_value=100, places=4))
    def test_target_never_below_current_nor_past_the_long_term_level(self, current: Decimal) -> None:
        target = suggested_target(current)
        assert target is not None
        assert current <= target <= max(current, Decimal(90))


def test_sample_ok() -> None:
    assert not sample_ok(29)
    assert sample_ok(30)
    assert sample_ok(5, minimum=5)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("67.25", "67.3"), ("67.24999", "67.2"), ("-6.25", "-6.3"), ("0.05", "0.1"), ("10", "10.0")],
)
def test_round_half_up(value: str, rounded: str) -> None:
    assert str(round_half_up(Decimal(value))) == rounded


def test_present() -> None:
    assert present(None) is None
    assert present(Decimal("-6.28098")) == -6.3
    assert present(Decimal("1.005"), places=2) == 1.01
    assert present_interval(None) is None


class TestGroupFigures:
    def test_one_row_by_hand(self) -> None:
        figures = group_figures(100, ShareCounts(80, 100), NpsCounts(40, 30, 30))
        assert figures.satisfaction_share == 80
        assert figures.nps == 10
        assert present_interval(figures.nps_ci95) == (-6.3, 26.3)
        assert present_interval(figures.satisfaction_ci95) == (71.1, 86.7)
        assert (figures.promoters, figures.passives, figures.detractors) == (40, 30, 30)
        assert figures.sample_ok

    def test_small_group(self) -> None:
        figures = group_figures(12, ShareCounts(0, 0), NpsCounts(0, 0, 0))
        assert figures.satisfaction_share is None and figures.nps is None and figures.nps_ci95 is None
        assert not figures.sample_ok

    def test_more_answers_than_responses_is_refused(self) -> None:
        with pytest.raises(ValueError):
            group_figures(10, ShareCounts(5, 11), NpsCounts(0, 0, 0))
