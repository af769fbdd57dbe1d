"""Pure rules of entered figures (ratios, levels, owners, four eyes) and of definitions (how values
are entered, which level changes move approved figures, where a formula version starts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kpi_api.indicators.definition import entry_methods, moved_levels
from kpi_api.indicators.rules import Aggregation, IndicatorKind, Periodicity, first_period_from
from kpi_api.models import Indicator
from kpi_api.values.rules import (
    ItemFault,
    entered_figure,
    four_eyes_problem,
    level_problem,
    owner_problem,
    ratio_value,
)
from zdrav_shared.problems import Unprocessable

D = Decimal


def indicator(**fields: object) -> Indicator:
    base: dict[str, object] = {"code": "X", "owner": "RU", "aggregation": "sum", "precision": 1, "scale": None}
    return Indicator(**{**base, **fields})


RATIO = indicator(aggregation="ratio", scale=D(100))


class TestEnteredFigure:
    def test_a_plain_value(self) -> None:
        assert entered_figure(indicator(), D(5), None, None).value == D(5)

    def test_a_ratio_is_computed_to_six_places(self) -> None:
        figure = entered_figure(RATIO, None, D(1), D(3))
        assert (figure.value, figure.numerator, figure.denominator) == (D("33.333333"), D(1), D(3))
        per_resident = indicator(aggregation="ratio", scale=D(1), precision=2)
        assert entered_figure(per_resident, None, D(4900), D(1000)).value == D("4.9")

    @pytest.mark.parametrize(
        ("value", "numerator", "denominator", "field"),
        [
            (None, D(1), None, "denominator"),
            (None, None, D(1), "numerator"),
            (D(50), None, None, "numerator"),
            (None, D(1), D(0), "denominator"),
            (None, D(-1), D(4), "numerator"),
            (None, D(1), D(-4), "denominator"),
            (D(40), D(1), D(3), "value"),
            (None, D("99999999999999"), D("0.000001"), "denominator"),  # too many digits to store
        ],
    )
    def test_ratio_faults_name_the_field(
        self, value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None, field: str
    ) -> None:
        with pytest.raises(ItemFault) as fault:
            entered_figure(RATIO, value, numerator, denominator)
        assert fault.value.field == field

    def test_a_value_that_agrees_at_the_precision_is_accepted(self) -> None:
        assert entered_figure(RATIO, D("33.3"), D(1), D(3)).value == D("33.333333")
        assert entered_figure(RATIO, D("33.34"), D(1), D(3)).value == D("33.333333")  # 33.3 as shown

    def test_counts_on_a_plain_indicator_and_a_missing_value(self) -> None:
        with pytest.raises(ItemFault) as fault:
            entered_figure(indicator(), D(5), D(1), None)
        assert fault.value.field == "numerator"
        with pytest.raises(ItemFault) as fault:
            entered_figure(indicator(), None, None, None)
        assert fault.value.field == "value"

    def test_ratio_value_never_overflows(self) -> None:
        assert ratio_value(D("99999999999999.999999"), D("0.000001"), D("99999999999999")) is None
        assert ratio_value(D(0), D(7), D(100)) == D(0)


class TestWhereAndWho:
    def test_the_reporting_level(self) -> None:
        regional = indicator(reporting_level="region")
        assert level_problem(regional, "region", "RU-MUR") is None
        assert level_problem(indicator(), "subdivision", "X-1") is None  # no level: any
        assert level_problem(regional, "organisation", "MUR-A") == (
            "X is entered for org units of level region: MUR-A is an organisation"
        )

    def test_a_regions_own_indicator(self) -> None:
        own = indicator(owner="RU-MUR")
        assert owner_problem(own, ["RU", "RU-MUR", "MUR-A"], "MUR-A") is None
        assert "RU-MUR" in (owner_problem(own, ["RU", "RU-KYA"], "RU-KYA") or "")
        assert owner_problem(indicator(), ["RU", "RU-KYA"], "RU-KYA") is None

    def test_four_eyes(self) -> None:
        assert four_eyes_problem("a", "a", "b") is not None
        assert four_eyes_problem("b", "a", "b") is not None
        assert four_eyes_problem("c", "a", "b") is None
        assert four_eyes_problem("c", None, None) is None


class TestDefinitionRules:
    def test_entry_methods(self) -> None:
        assert entry_methods(IndicatorKind.INPUT, None, None, None) == (Aggregation.SUM, Aggregation.SUM, None)
        assert entry_methods(IndicatorKind.INPUT, Aggregation.RATIO, None, None) == (
            Aggregation.RATIO,
            Aggregation.RATIO,
            D(100),
        )
        assert entry_methods(IndicatorKind.INPUT, Aggregation.RATIO, None, D(1))[2] == D(1)
        assert entry_methods(IndicatorKind.FORMULA, None, None, None) == (None, None, None)
        for args in (
            (IndicatorKind.INPUT, Aggregation.RATIO, Aggregation.LAST, None),
            (IndicatorKind.INPUT, Aggregation.SUM, Aggregation.RATIO, None),
            (IndicatorKind.INPUT, Aggregation.SUM, None, D(100)),
            (IndicatorKind.FORMULA, None, None, D(100)),
        ):
            with pytest.raises(Unprocessable):
                entry_methods(*args)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("old", "new", "approved", "moved"),
        [
            (None, "organisation", ["organisation"], []),
            (None, "organisation", ["organisation", "region"], ["region"]),
            ("organisation", None, ["organisation"], []),
            ("organisation", "region", ["organisation"], ["organisation"]),
            ("organisation", "region", [], []),
        ],
    )
    def test_moved_levels(self, old: str | None, new: str | None, approved: list[str], moved: list[str]) -> None:
        assert moved_levels(old, new, approved) == moved

    @pytest.mark.parametrize(
        ("day", "periodicity", "first"),
        [
            (date(2025, 1, 1), Periodicity.QUARTER, "2025Q1"),
            (date(2025, 3, 15), Periodicity.QUARTER, "2025Q2"),
            (date(2025, 3, 15), Periodicity.MONTH, "2025-04"),
            (date(2025, 3, 1), Periodicity.MONTH, "2025-03"),
            (date(2025, 3, 15), Periodicity.YEAR, "2026"),
        ],
    )
    def test_first_period_of_a_formula_version(self, day: date, periodicity: Periodicity, first: str) -> None:
        assert first_period_from(day, periodicity).code == first
