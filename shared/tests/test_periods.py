"""Period codes: parsing, ordering, containment, shifting and the pydantic field."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from zdrav_shared.periods import (
    MAX_YEAR,
    MIN_YEAR,
    InvalidPeriod,
    Period,
    PeriodField,
    PeriodType,
    iter_periods,
    parse_period,
)

# Stay two years inside the bounds so previous(), next() and last year always exist.
years = st.integers(min_value=MIN_YEAR + 2, max_value=MAX_YEAR - 2)
periods = st.one_of(
    st.builds(Period.year_of, years),
    st.builds(Period.quarter_of, years, st.integers(1, 4)),
    st.builds(Period.month_of, years, st.integers(1, 12)),
)
period_types = st.sampled_from(list(PeriodType))
DAY = timedelta(days=1)

FAST = settings(max_examples=200, deadline=None)


class TestParse:
    @FAST
    @given(periods)
    def test_code_round_trips(self, p: Period) -> None:
        assert Period.parse(p.code) == p
        assert parse_period(p.code) == p
        assert str(p) == p.code

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2025", Period(PeriodType.YEAR, 2025, 1)),
            ("2025Q2", Period(PeriodType.QUARTER, 2025, 2)),
            ("2025-04", Period(PeriodType.MONTH, 2025, 4)),
            ("2025-12", Period(PeriodType.MONTH, 2025, 12)),
        ],
    )
    def test_the_three_forms(self, text: str, expected: Period) -> None:
        assert Period.parse(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "2025Q5",
            "2025Q0",
            "2025-13",
            "2025-00",
            "25",
            "2025-4",
            "",
            " ",
            "2025q2",
            "2025-Q2",
            "20251",
            "1899",
            "3000",
            "2025-04-01",
            "Q2 2025",
            "２０２５",  # full-width digits are not the wire format
            "٢٠٢٥Q1",  # nor Arabic-Indic ones
        ],
    )
    def test_invalid_codes_raise(self, text: str) -> None:
        with pytest.raises(InvalidPeriod):
            Period.parse(text)

    @pytest.mark.parametrize("value", [None, 2025.0, b"2025", ["2025"], True])
    def test_non_strings_raise(self, value: object) -> None:
        with pytest.raises(InvalidPeriod):
            parse_period(value)

    def test_an_integer_year_is_accepted(self) -> None:
        assert parse_period(2025) == Period.year_of(2025)

    @FAST
    @given(st.text(alphabet=st.characters(categories=["Nd"]) | st.sampled_from("0123456789Q- q"), max_size=9))
    @example("２０２５")
    def test_whatever_parses_is_canonical(self, text: str) -> None:
        """Anything accepted is its own code (modulo surrounding blanks): no second spelling."""
        try:
            parsed = Period.parse(text)
        except InvalidPeriod:
            return
        assert parsed.code == text.strip()


class TestOrdering:
    @FAST
    @given(periods, periods)
    def test_total_and_consistent_with_start(self, a: Period, b: Period) -> None:
        assert [a < b, a == b, a > b].count(True) == 1
        assert (a <= b) == (a < b or a == b)
        assert (a >= b) == (a > b or a == b)
        if a.start < b.start:
            assert a < b
        if a.start == b.start and a.type.months > b.type.months:
            assert a < b  # the coarser period first

    @FAST
    @given(st.lists(periods, min_size=2, max_size=8))
    def test_sorting_orders_by_start(self, items: list[Period]) -> None:
        ordered = sorted(items)
        starts = [p.start for p in ordered]
        assert starts == sorted(starts)

    @FAST
    @given(periods, periods, periods)
    def test_transitive(self, a: Period, b: Period, c: Period) -> None:
        if a <= b and b <= c:
            assert a <= c


class TestShift:
    @FAST
    @given(periods)
    def test_previous_and_next_are_inverse_and_adjacent(self, p: Period) -> None:
        assert p.previous().next() == p
        assert p.next().previous() == p
        assert p.previous().end + DAY == p.start
        assert p.end + DAY == p.next().start
        assert p.previous().type is p.type

    @FAST
    @given(periods, st.integers(-2, 2))
    def test_shift_composes(self, p: Period, n: int) -> None:
        assert p.shift(n).shift(-n) == p

    @FAST
    @given(periods)
    def test_same_period_last_year(self, p: Period) -> None:
        last = p.same_period_last_year()
        assert last.type is p.type
        assert last.index == p.index
        assert last.year == p.year - 1
        assert last.start == p.start.replace(year=p.year - 1)
        assert last.shift(12 // p.type.months) == p

    @pytest.mark.parametrize(
        ("code", "previous"), [("2025Q1", "2024Q4"), ("2025-01", "2024-12"), ("2025", "2024"), ("2025-03", "2025-02")]
    )
    def test_previous_examples(self, code: str, previous: str) -> None:
        assert Period.parse(code).previous().code == previous

    def test_shifting_past_the_bounds_raises(self) -> None:
        with pytest.raises(InvalidPeriod):
            Period.parse(f"{MIN_YEAR}Q1").previous()


class TestContainment:
    @FAST
    @given(years, st.integers(1, 12))
    def test_month_in_quarter_in_year(self, year: int, month: int) -> None:
        m = Period.month_of(year, month)
        q = m.parent(PeriodType.QUARTER)
        y = q.parent(PeriodType.YEAR)
        assert m in q and q in y and m in y
        assert q == Period.quarter_of(year, (month - 1) // 3 + 1)
        assert y == Period.year_of(year)
        assert q not in m and y not in q

    @FAST
    @given(periods, periods, periods)
    def test_containment_is_transitive(self, a: Period, b: Period, c: Period) -> None:
        if a.contains(b) and b.contains(c):
            assert a.contains(c)

    @FAST
    @given(periods, periods)
    def test_containment_is_antisymmetric(self, a: Period, b: Period) -> None:
        if a.contains(b) and b.contains(a):
            assert a == b

    @FAST
    @given(periods)
    def test_contains_itself(self, p: Period) -> None:
        assert p in p

    @FAST
    @given(periods, period_types)
    def test_children_cover_exactly(self, p: Period, finer: PeriodType) -> None:
        if finer.months > p.type.months:
            with pytest.raises(InvalidPeriod):
                p.children(finer)
            return
        children = p.children(finer)
        assert len(children) == p.type.months // finer.months
        assert all(c.type is finer and p.contains(c) for c in children)
        assert children[0].start == p.start
        assert children[-1].end == p.end
        for left, right in itertools.pairwise(children):
            assert left.end + DAY == right.start
        assert all(c.parent(p.type) == p for c in children)

    def test_other_years_are_not_contained(self) -> None:
        assert Period.parse("2024-12") not in Period.parse("2025")
        assert Period.parse("2025-04") not in Period.parse("2025Q1")
        assert "2025-04" not in Period.parse("2025")  # a string is not a period

    def test_bounds(self) -> None:
        assert Period.parse("2024Q1").end == date(2024, 3, 31)
        assert Period.parse("2024-02").end == date(2024, 2, 29)
        assert Period.parse("2025-02").end == date(2025, 2, 28)
        assert Period.containing(date(2025, 5, 17), PeriodType.QUARTER).code == "2025Q2"

    def test_year_to_date_and_ranges(self) -> None:
        assert [p.code for p in Period.parse("2025Q3").year_to_date()] == ["2025Q1", "2025Q2", "2025Q3"]
        assert [p.code for p in iter_periods(Period.parse("2024-11"), Period.parse("2025-02"))] == [
            "2024-11",
            "2024-12",
            "2025-01",
            "2025-02",
        ]
        with pytest.raises(InvalidPeriod):
            list(iter_periods(Period.parse("2025"), Period.parse("2025Q1")))


class Report(BaseModel):
    period: PeriodField


class TestPeriodField:
    @pytest.mark.parametrize("value", ["2025Q5", "2025-13", "25", "", "2025-4", None, 3.5])
    def test_invalid_is_a_validation_error(self, value: object) -> None:
        with pytest.raises(ValidationError) as info:
            Report.model_validate({"period": value})
        assert info.value.errors()[0]["loc"] == ("period",)

    def test_message_says_what_to_send(self) -> None:
        with pytest.raises(ValidationError, match="use 2025, 2025Q2 or 2025-04"):
            Report(period="2025Q5")  # type: ignore[arg-type]

    @pytest.mark.parametrize("code", ["2025", "2025Q2", "2025-04"])
    def test_valid_serialises_back_to_the_code(self, code: str) -> None:
        report = Report.model_validate({"period": code})
        assert report.period == Period.parse(code)
        assert report.model_dump() == {"period": code}
        assert report.model_dump_json() == f'{{"period":"{code}"}}'
        assert Report.model_validate_json(report.model_dump_json()) == report

    def test_json_schema_is_a_string_with_a_pattern(self) -> None:
        schema = Report.model_json_schema()["properties"]["period"]
        assert schema["type"] == "string"
        assert "pattern" in schema
