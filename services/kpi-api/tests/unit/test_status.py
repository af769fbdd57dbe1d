"""Status vs target, year-target splits and aggregation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_api.indicators.rules import Aggregation, Direction
from kpi_api.targets.rules import (
    Status,
    Thresholds,
    aggregate,
    aggregate_grid,
    aggregate_over_time,
    period_share_target,
    status_vs_target,
    year_to_date_target,
)
from zdrav_shared.periods import Period

D = Decimal
HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER


class TestStatusVsTarget:
    @pytest.mark.parametrize(
        ("value", "target", "direction", "status"),
        [
            ("90", "90", HIGHER, Status.ACHIEVED),
            ("95", "90", HIGHER, Status.ACHIEVED),
            ("87.5", "90", HIGHER, Status.ON_TRACK),
            ("85.5", "90", HIGHER, Status.ON_TRACK),  # exactly 95 %
            ("85.4", "90", HIGHER, Status.AT_RISK),
            ("76.5", "90", HIGHER, Status.AT_RISK),  # exactly 85 %
            ("76.4", "90", HIGHER, Status.OFF_TRACK),
            ("0", "90", HIGHER, Status.OFF_TRACK),
            # Waiting time in days (Murmansk indicator 22): lower is better.
            ("14", "14", LOWER, Status.ACHIEVED),
            ("10", "14", LOWER, Status.ACHIEVED),
            ("14.7", "14", LOWER, Status.ON_TRACK),  # 5 % over
            ("15", "14", LOWER, Status.AT_RISK),
            ("16.1", "14", LOWER, Status.AT_RISK),  # 15 % over
            ("16.2", "14", LOWER, Status.OFF_TRACK),
            # Negative targets (a planned decline): the gap is measured against |target|.
            ("-10", "-10", HIGHER, Status.ACHIEVED),
            ("-10.4", "-10", HIGHER, Status.ON_TRACK),
            ("-11", "-10", HIGHER, Status.AT_RISK),
            ("-12", "-10", HIGHER, Status.OFF_TRACK),
            ("-12", "-10", LOWER, Status.ACHIEVED),
            ("-9", "-10", LOWER, Status.AT_RISK),
            # Target 0: binary.
            ("0", "0", LOWER, Status.ACHIEVED),
            ("0.1", "0", LOWER, Status.OFF_TRACK),
            ("3", "0", HIGHER, Status.ACHIEVED),
            ("-0.1", "0", HIGHER, Status.OFF_TRACK),
        ],
    )
    def test_status(self, value: str, target: str, direction: Direction, status: Status) -> None:
        assert status_vs_target(D(value), D(target), direction).status is status

    def test_reason_higher_is_better(self) -> None:
        result = status_vs_target(D("87.5"), D(90), HIGHER)
        assert result.reason == "value 87.5 is 97.2 % of target 90 (higher is better)"

    def test_reason_lower_is_better(self) -> None:
        result = status_vs_target(D(10), D(8), LOWER)
        assert (result.status, result.reason) == (
            Status.OFF_TRACK,
            "value 10 is 125.0 % of target 8 (lower is better)",
        )

    def test_reason_negative_and_zero_targets(self) -> None:
        assert "1 below target -10, a gap of 10.0 %" in status_vs_target(D(-11), D(-10), HIGHER).reason
        assert status_vs_target(D(2), D(0), LOWER).reason == "value 2 misses target 0 (lower is better)"

    def test_no_target_and_no_data(self) -> None:
        assert status_vs_target(D(1), None, HIGHER).status is Status.NO_TARGET
        assert status_vs_target(None, None, HIGHER).status is Status.NO_TARGET
        result = status_vs_target(None, D(90), HIGHER)
        assert result.status is Status.NO_DATA
        assert "no value" in result.reason

    def test_custom_thresholds(self) -> None:
        strict = Thresholds(on_track_ratio=D("0.99"), at_risk_ratio=D("0.97"))
        assert status_vs_target(D("87.5"), D(90), HIGHER, strict).status is Status.AT_RISK
        assert status_vs_target(D("87.2"), D(90), HIGHER, strict).status is Status.OFF_TRACK

    @pytest.mark.parametrize(("on_track", "at_risk"), [("0.8", "0.9"), ("1.1", "0.9"), ("0.9", "0")])
    def test_bad_thresholds(self, on_track: str, at_risk: str) -> None:
        with pytest.raises(ValueError, match="thresholds"):
            Thresholds(D(on_track), D(at_risk))

    @settings(max_examples=200, deadline=None, database=None)
    @given(
        st.decimals(min_value=-(10**6), max_value=10**6, places=2),
        st.decimals(min_value=-(10**6), max_value=10**6, places=2),
    )
    def test_direction_is_a_mirror(self, value: Decimal, target: Decimal) -> None:
        # Reflecting value and target through zero swaps which direction is better.
        assert status_vs_target(value, target, HIGHER).status is status_vs_target(-value, -target, LOWER).status

    @settings(max_examples=200, deadline=None, database=None)
    @given(
        st.decimals(min_value=0, max_value=10**6, places=2),
        st.decimals(min_value=0, max_value=10**6, places=2),
        st.decimals(min_value="0.01", max_value=10**3, places=2),
    )
    def test_more_is_never_worse_when_higher_is_better(self, a: Decimal, b: Decimal, target: Decimal) -> None:
        order = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.ACHIEVED]
        low, high = sorted((a, b))
        assert order.index(status_vs_target(low, target, HIGHER).status) <= order.index(
            status_vs_target(high, target, HIGHER).status
        )


class TestYearTargetSplit:
    def test_cumulative_single_period_share(self) -> None:
        assert period_share_target(D(1200), Period.parse("2025Q2"), Aggregation.SUM) == D(300)
        assert period_share_target(D(1200), Period.parse("2025-05"), Aggregation.SUM) == D(100)
        assert period_share_target(D(1200), Period.parse("2025"), Aggregation.SUM) == D(1200)

    def test_cumulative_year_to_date(self) -> None:
        assert year_to_date_target(D(1200), Period.parse("2025Q2"), Aggregation.SUM) == D(600)
        assert year_to_date_target(D(1200), Period.parse("2025Q4"), Aggregation.SUM) == D(1200)
        assert year_to_date_target(D(1200), Period.parse("2025-05"), Aggregation.SUM) == D(500)

    def test_inexact_share_keeps_precision(self) -> None:
        assert period_share_target(D(100), Period.parse("2025-01"), Aggregation.SUM) == D(
            "8.333333333333333333333333333333333"
        )

    @pytest.mark.parametrize("method", [Aggregation.AVERAGE, Aggregation.LAST, Aggregation.MIN, Aggregation.MAX])
    def test_rates_and_stocks_keep_the_year_target(self, method: Aggregation) -> None:
        # Staffing rate 90 % for the year is 90 % in Q2 too.
        assert period_share_target(D(90), Period.parse("2025Q2"), method) == D(90)
        assert year_to_date_target(D(90), Period.parse("2025Q2"), method) == D(90)


class TestAggregate:
    VALUES = (D(3), None, D(1), D(2))

    @pytest.mark.parametrize(
        ("method", "expected"),
        [
            (Aggregation.SUM, D(6)),
            (Aggregation.AVERAGE, D(2)),
            (Aggregation.LAST, D(2)),
            (Aggregation.MIN, D(1)),
            (Aggregation.MAX, D(3)),
        ],
    )
    def test_methods_skip_missing(self, method: Aggregation, expected: Decimal) -> None:
        assert aggregate(self.VALUES, method) == expected

    def test_require_complete(self) -> None:
        assert aggregate(self.VALUES, Aggregation.SUM, require_complete=True) is None
        assert aggregate([D(1), D(2)], Aggregation.SUM, require_complete=True) == D(3)

    @pytest.mark.parametrize("method", list(Aggregation))
    def test_nothing_is_no_data_not_zero(self, method: Aggregation) -> None:
        assert aggregate([], method) is None
        assert aggregate([None, None], method) is None

    def test_last_over_time_is_chronological(self) -> None:
        values = {Period.parse("2025-03"): D(30), Period.parse("2025-01"): D(10), Period.parse("2025-02"): D(20)}
        assert aggregate_over_time(values, Aggregation.LAST) == D(30)

    def test_head_count_sums_over_units_and_takes_last_over_time(self) -> None:
        jan, feb, mar = (Period.parse(p) for p in ("2025-01", "2025-02", "2025-03"))
        values = {
            ("MO-1", jan): D(40),
            ("MO-1", feb): D(41),
            ("MO-1", mar): D(45),
            ("MO-2", jan): D(10),
            ("MO-2", feb): D(12),
            ("MO-2", mar): None,  # not reported yet: its latest report (February) counts
        }
        assert aggregate_grid(values, Aggregation.SUM, Aggregation.LAST) == D(57)
        assert aggregate_grid(values, Aggregation.SUM, Aggregation.SUM) == D(148)
        assert aggregate_grid(values, Aggregation.MAX, Aggregation.AVERAGE) == D(42)
