"""The judgement of a row against a target as printed: ranges, a declared maximum, cause notes."""

from __future__ import annotations

from decimal import Decimal

from kpi_api.indicators.rules import Aggregation, Direction
from kpi_api.targets.rules import Status, Thresholds
from kpi_api.targets.verdict import Judgement, TargetFigures, judge, range_status
from zdrav_shared.periods import parse_period

D = Decimal
RANGE = {"2025": TargetFigures(None, None, None, D(4), D(14))}


def _judge(
    value: str | None,
    known: dict[str, TargetFigures],
    period: str = "2025",
    *,
    time_aggregation: Aggregation = Aggregation.AVERAGE,
    declared_max: Decimal | None = None,
    cause_note_pct: Decimal | None = None,
) -> Judgement:
    return judge(
        None if value is None else D(value),
        parse_period(period),
        known,
        ytd=False,
        direction=Direction.HIGHER_IS_BETTER,
        thresholds=Thresholds(),
        time_aggregation=time_aggregation,
        declared_max=declared_max,
        cause_note_pct=cause_note_pct,
    )


class TestRange:
    def test_bounds_are_inside(self) -> None:
        for value in ("4", "9", "14"):
            status, deviation = range_status(D(value), D(4), D(14), Thresholds())
            assert (status.status, deviation) == (Status.ACHIEVED, 0)

    def test_below_and_above_measure_from_the_nearer_bound(self) -> None:
        # 3.5 is 0.5 below 4: 12.5 % of the bound, attainment 0.875 → at_risk.
        status, deviation = range_status(D("3.5"), D(4), D(14), Thresholds())
        assert (status.status, deviation) == (Status.AT_RISK, D("-0.5"))
        # 20 is 6 above 14: 42.9 %, attainment 0.571 → off_track.
        status, deviation = range_status(D(20), D(4), D(14), Thresholds())
        assert (status.status, deviation) == (Status.OFF_TRACK, 6)
        assert status.reason == "value 20 is above the target range 4–14 by 42.9 %"

    def test_a_year_range_holds_in_its_quarters_unsplit(self) -> None:
        judged = _judge("16", RANGE, "2025Q3", time_aggregation=Aggregation.SUM)
        assert (judged.target_low, judged.target_high, judged.target_period) == (4, 14, "2025")
        assert (judged.deviation, judged.deviation_pct) == (2, D("14.3"))


class TestWarningsAndNotes:
    def test_above_the_declared_maximum_is_never_achieved(self) -> None:
        judged = _judge("104", {"2025": TargetFigures(D(90), None, None)}, declared_max=D(100))
        assert judged.status is Status.IMPLAUSIBLE
        assert judged.warning == "value 104 exceeds the declared maximum 100: check the figure"

    def test_cause_note_past_the_threshold_only(self) -> None:
        known = {"2025": TargetFigures(D(80), None, None)}
        assert _judge("60", known, cause_note_pct=D(10)).cause_note_required is True
        assert _judge("72", known, cause_note_pct=D(10)).cause_note_required is False
        assert _judge("60", known).cause_note_required is False
