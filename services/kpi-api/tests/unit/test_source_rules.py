"""Pure rules of pulled values: mapping checks, figures from counts, refresh periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kpi_api.indicators.rules import IndicatorKind, Source
from kpi_api.sources.rules import (
    SourceMetric,
    as_of_for,
    check_mapping,
    execution_figure,
    periods_to_refresh,
    survey_figure,
)
from zdrav_shared.contracts.survey import OrgUnitAggregateRow
from zdrav_shared.periods import Period
from zdrav_shared.problems import Unprocessable


def row(n: int, satisfied: int, answered: int, p: int, pa: int, d: int) -> OrgUnitAggregateRow:
    return OrgUnitAggregateRow(
        org_unit_code="X", n=n, satisfied=satisfied, satisfaction_answered=answered, satisfaction_share=None,
        nps=None, promoters=p, passives=pa, detractors=d, nps_ci95=None, sample_ok=n >= 30,
    )  # fmt: skip


class TestMapping:
    def test_roadmap_implies_execution(self) -> None:
        assert check_mapping(IndicatorKind.INPUT, Source.ROADMAP, None, None) is SourceMetric.EXECUTION_PCT

    def test_unmapped_survey_indicator_is_allowed(self) -> None:
        assert check_mapping(IndicatorKind.INPUT, Source.SURVEY, None, None) is None

    @pytest.mark.parametrize(
        ("kind", "source", "metric", "campaign"),
        [
            (IndicatorKind.INPUT, Source.MANUAL, SourceMetric.NPS, None),
            (IndicatorKind.INPUT, Source.MANUAL, None, "c"),
            (IndicatorKind.INPUT, Source.SURVEY, SourceMetric.EXECUTION_PCT, None),
            (IndicatorKind.INPUT, Source.ROADMAP, SourceMetric.SATISFACTION_SHARE, None),
            (IndicatorKind.INPUT, Source.ROADMAP, None, "c"),
            (IndicatorKind.FORMULA, Source.SURVEY, SourceMetric.NPS, None),
        ],
    )
    def test_refused(
        self, kind: IndicatorKind, source: Source, metric: SourceMetric | None, campaign: str | None
    ) -> None:
        with pytest.raises(Unprocessable):
            check_mapping(kind, source, metric, campaign)


class TestFigures:
    def test_satisfaction_and_nps_from_counts(self) -> None:
        counts = row(40, 33, 40, 25, 5, 10)
        share = survey_figure(counts, SourceMetric.SATISFACTION_SHARE)
        assert (share.value, share.numerator, share.denominator, share.n, share.sample_ok) == (
            Decimal("82.5"), 33, 40, 40, True,
        )  # fmt: skip
        assert survey_figure(counts, SourceMetric.NPS).value == Decimal("37.5")

    def test_no_answers_is_null_with_a_reason(self) -> None:
        figure = survey_figure(row(0, 0, 0, 0, 0, 0), SourceMetric.NPS)
        assert figure.value is None and figure.reason == "no_responses"
        assert execution_figure(0, 0).reason == "nothing_due"
        assert execution_figure(9, 10).value == Decimal(90)


class TestPeriods:
    def test_as_of(self) -> None:
        assert as_of_for(Period.parse("2025Q2"), date(2025, 8, 1)) == date(2025, 6, 30)
        assert as_of_for(Period.parse("2025Q2"), date(2025, 5, 3)) == date(2025, 5, 3)
        assert as_of_for(Period.parse("2025Q3"), date(2025, 5, 3)) is None

    def test_running_quarters_and_target_years(self) -> None:
        assert [p.code for p in periods_to_refresh(date(2025, 5, 3))] == ["2025", "2025Q1", "2025Q2"]
        codes = [p.code for p in periods_to_refresh(date(2026, 2, 1), [2020, 2025, 2030])]
        assert codes == ["2025", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026", "2026Q1"]
