"""Indicator catalogue rules: vocabularies, period fit, formula versions, outliers, rounding."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_api.indicators.rules import (
    Aggregation,
    Direction,
    IndicatorKind,
    Periodicity,
    Source,
    can_report_for,
    effective_version,
    is_outlier,
    period_matches,
    round_for_display,
)
from zdrav_shared.periods import Period, PeriodType

D = Decimal


class TestVocabularies:
    def test_wire_values_match_the_contract(self) -> None:
        assert {d.value for d in Direction} == {"higher_is_better", "lower_is_better"}
        assert {k.value for k in IndicatorKind} == {"input", "formula"}
        assert {a.value for a in Aggregation} == {"sum", "average", "last", "min", "max", "ratio"}
        assert {p.value for p in Periodicity} == {"month", "quarter", "year"}
        assert {s.value for s in Source} == {"manual", "survey", "roadmap", "population"}

    def test_periodicity_maps_to_period_type(self) -> None:
        assert Periodicity.MONTH.period_type is PeriodType.MONTH
        assert Periodicity.QUARTER.period_type is PeriodType.QUARTER
        assert Periodicity.YEAR.period_type is PeriodType.YEAR


class TestPeriodFit:
    @pytest.mark.parametrize(
        ("period", "periodicity", "matches"),
        [
            ("2025-04", Periodicity.MONTH, True),
            ("2025Q2", Periodicity.MONTH, False),
            ("2025Q2", Periodicity.QUARTER, True),
            ("2025", Periodicity.QUARTER, False),
            ("2025", Periodicity.YEAR, True),
        ],
    )
    def test_values_are_entered_for_the_indicator_periodicity(
        self, period: str, periodicity: Periodicity, matches: bool
    ) -> None:
        assert period_matches(Period.parse(period), periodicity) is matches

    def test_analytics_can_go_coarser_never_finer(self) -> None:
        assert can_report_for(Period.parse("2025"), Periodicity.MONTH)
        assert can_report_for(Period.parse("2025Q2"), Periodicity.QUARTER)
        assert not can_report_for(Period.parse("2025-04"), Periodicity.QUARTER)


class TestEffectiveVersion:
    VERSIONS = (
        (date(2025, 1, 1), "A / B * 100"),
        (date(2021, 1, 1), "A / B * 100 * 1.2"),
        (date(2025, 4, 1), "A / C * 100"),
    )

    @pytest.mark.parametrize(
        ("period", "expected"),
        [
            ("2020", None),
            ("2021-01", "A / B * 100 * 1.2"),
            ("2024Q4", "A / B * 100 * 1.2"),
            ("2025Q1", "A / B * 100"),
            ("2025-03", "A / B * 100"),
            ("2025Q2", "A / C * 100"),
            # A year is computed with the formula in effect on 1 January.
            ("2025", "A / B * 100"),
        ],
    )
    def test_latest_effective_on_or_before_the_period_start(self, period: str, expected: str | None) -> None:
        assert effective_version(Period.parse(period), self.VERSIONS) == expected

    def test_same_date_later_entry_wins(self) -> None:
        versions = [(date(2025, 1, 1), "old"), (date(2025, 1, 1), "new")]
        assert effective_version(Period.parse("2025"), versions) == "new"

    def test_no_versions(self) -> None:
        assert effective_version(Period.parse("2025"), []) is None


class TestOutliers:
    def test_declared_bounds(self) -> None:
        flagged, reason = is_outlier(D(101), [], D(0), D(100))
        assert flagged
        assert reason == "value 101 is above the declared maximum 100"
        assert is_outlier(D(-1), [], D(0)).reason == "value -1 is below the declared minimum 0"
        assert not is_outlier(D(100), [], D(0), D(100))

    def test_short_history_is_not_judged(self) -> None:
        assert not is_outlier(D(1_000_000), [D(1), D(2)])
        assert not is_outlier(D(1_000_000), [D(1), None, D(2), None])

    def test_typo_with_an_extra_digit(self) -> None:
        # Home visits (Murmansk indicator 4) run at ~17 000 a month; 170 000 is a typo.
        history = [D(16950), D(17210), D(16800), D(17050)]
        check = is_outlier(D(170000), history)
        assert check.flagged
        assert check.reason is not None
        assert "10.0 times the median 17000" in check.reason
        assert not is_outlier(D(18000), history)

    def test_too_small(self) -> None:
        check = is_outlier(D(1700), [D(16950), D(17210), D(16800)])
        assert check
        assert check.reason is not None
        assert "less than a third of the median" in check.reason

    def test_stable_series_small_change_is_fine(self) -> None:
        # MAD is 0 here; only the ×/÷ 3 rule judges, so a modest change passes.
        assert not is_outlier(D(110), [D(100), D(100), D(100)])
        assert is_outlier(D(301), [D(100), D(100), D(100)])

    def test_volatile_series_needs_a_robust_deviation_too(self) -> None:
        # 4 × the median, but the history itself swings widely.
        assert not is_outlier(D(40), [D(1), D(10), D(100), D(5), D(60)])

    def test_around_zero_uses_robust_deviations(self) -> None:
        # A shrinking indicator: median growth -1 %, so the ×/÷ 3 rule cannot apply.
        growth = [D("-1.5"), D("0.5"), D("-2.0"), D("-0.5"), D("-1.0")]
        check = is_outlier(D(45), growth)
        assert check
        assert check.reason == "value 45 is 62.1 robust deviations from the median -1 of the last 5 values"
        assert not is_outlier(D("-2.5"), growth)
        assert not is_outlier(D(5), [D(0), D(0), D(0)])


class TestRounding:
    @pytest.mark.parametrize(
        ("value", "precision", "expected"),
        [("2.345", 2, "2.35"), ("-2.345", 2, "-2.35"), ("90.000", 1, "90.0"), ("0.5", 0, "1"), ("1.5", 0, "2")],
    )
    def test_half_up(self, value: str, precision: int, expected: str) -> None:
        assert str(round_for_display(D(value), precision)) == expected

    def test_more_digits_than_the_shared_context_holds(self) -> None:
        assert str(round_for_display(D("1" * 40 + ".05"), 1)) == "1" * 40 + ".1"
        assert round_for_display(D("0.00000000000000049"), 15).as_tuple() == D("0E-15").as_tuple()
        assert str(round_for_display(D("0.0000000000000005"), 15)) == "1E-15"

    @given(
        st.decimals(min_value=D("-1e40"), max_value=D("1e40"), allow_nan=False, allow_infinity=False),
        st.integers(0, 16),
    )
    def test_same_as_a_fresh_local_context(self, value: Decimal, precision: int) -> None:
        # The shared context is a speed-up only: the result is the one a fresh wide context gives.
        with localcontext() as ctx:
            ctx.prec = max(34, value.adjusted() + precision + 2)
            expected = value.quantize(D(1).scaleb(-precision), rounding=ROUND_HALF_UP)
        assert str(round_for_display(value, precision)) == str(expected)
