"""Reporting deadlines, working days and region time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_api.reporting_calendar import (
    DEFAULT_RULES,
    RUSSIA,
    DeadlineRule,
    InvalidTimezone,
    WorkCalendar,
    add_months,
    add_working_days,
    deadline_for,
    deadline_instant,
    is_late,
    is_valid_timezone,
    next_working_day,
    non_working_days,
    working_weekends,
)
from zdrav_shared.periods import Period, PeriodType

MONTHLY = DEFAULT_RULES[PeriodType.MONTH]
QUARTERLY = DEFAULT_RULES[PeriodType.QUARTER]
YEARLY = DEFAULT_RULES[PeriodType.YEAR]
MURMANSK = "Europe/Moscow"
KRASNOYARSK = "Asia/Krasnoyarsk"
KAMCHATKA = "Asia/Kamchatka"


class TestDeadlineFor:
    @pytest.mark.parametrize(
        ("period", "rule", "expected"),
        [
            ("2025-04", MONTHLY, date(2025, 5, 5)),
            ("2025-12", MONTHLY, date(2026, 1, 5)),
            ("2025Q2", QUARTERLY, date(2025, 7, 5)),
            ("2025Q4", QUARTERLY, date(2026, 1, 5)),
            ("2025", YEARLY, date(2026, 2, 15)),
            ("2025Q1", DeadlineRule(day_of_month=10), date(2025, 4, 10)),
            ("2025-01", DeadlineRule(day_of_month=31), date(2025, 2, 28)),
            ("2024-01", DeadlineRule(day_of_month=31), date(2024, 2, 29)),
            ("2025-04", DeadlineRule(day_of_month=25, months_after=0), date(2025, 4, 25)),
        ],
    )
    def test_calendar_days(self, period: str, rule: DeadlineRule, expected: date) -> None:
        assert deadline_for(Period.parse(period), rule) == expected

    @pytest.mark.parametrize(
        ("period", "expected"),
        [
            # January 2025: 1–8 are days off, so the 5th working day is Wednesday the 15th.
            ("2024-12", date(2025, 1, 15)),
            # May 2025: 1–4 and 8–11 are days off; working days 5, 6, 7, 12, 13 → the 13th.
            ("2025-04", date(2025, 5, 13)),
            # November 2025: Saturday the 1st is a working day, 3–4 are days off: 1, 5, 6, 7, 10.
            ("2025-10", date(2025, 11, 10)),
            # January 2026: 1–9 off (the 9th moved from Saturday 3 January).
            ("2025-12", date(2026, 1, 16)),
        ],
    )
    def test_working_days_with_the_russian_calendar(self, period: str, expected: date) -> None:
        rule = DeadlineRule(day_of_month=5, working_days=True)
        assert deadline_for(Period.parse(period), rule) == expected

    def test_plain_holiday_set_has_no_working_saturdays(self) -> None:
        rule = DeadlineRule(day_of_month=1, working_days=True)
        assert deadline_for(Period.parse("2025-10"), rule) == date(2025, 11, 1)
        assert deadline_for(Period.parse("2025-10"), rule, set()) == date(2025, 11, 3)
        assert deadline_for(Period.parse("2025-10"), rule, {date(2025, 11, 3)}) == date(2025, 11, 4)

    def test_more_working_days_than_the_month_has(self) -> None:
        rule = DeadlineRule(day_of_month=31, working_days=True)
        assert deadline_for(Period.parse("2025-01"), rule) == date(2025, 2, 28)

    def test_roll_forward_over_days_off(self) -> None:
        rule = DeadlineRule(day_of_month=5, roll_forward=True)
        # 5 January 2025 falls in the New Year holidays → Thursday 9 January.
        assert deadline_for(Period.parse("2024-12"), rule) == date(2025, 1, 9)
        # 5 July 2025 is a Saturday → Monday 7 July.
        assert deadline_for(Period.parse("2025Q2"), rule) == date(2025, 7, 7)
        assert deadline_for(Period.parse("2025-04"), rule) == date(2025, 5, 5)

    @pytest.mark.parametrize(("day", "months_after"), [(0, 1), (32, 1), (5, -1), (5, 13)])
    def test_invalid_rules(self, day: int, months_after: int) -> None:
        with pytest.raises(ValueError):
            DeadlineRule(day_of_month=day, months_after=months_after)

    def test_describe(self) -> None:
        assert MONTHLY.describe() == "by the 5th day of the month after the period"
        assert YEARLY.describe() == "by the 15th day of the 2nd month after the period"
        assert DeadlineRule(3, 0, working_days=True).describe() == (
            "by the 3rd working day of the last month of the period"
        )

    @settings(max_examples=200, deadline=None, database=None)
    @given(
        st.sampled_from(list(PeriodType)),
        st.integers(min_value=2020, max_value=2030),
        st.integers(min_value=1, max_value=12),
        st.integers(min_value=1, max_value=31),
        st.integers(min_value=0, max_value=12),
        st.booleans(),
        st.booleans(),
    )
    def test_deadline_is_after_the_period_in_the_right_month(
        self, kind: PeriodType, year: int, index: int, day: int, months_after: int, working: bool, roll: bool
    ) -> None:
        period = Period(kind, year, (index - 1) % (12 // kind.months) + 1)
        rule = DeadlineRule(day, months_after, working_days=working, roll_forward=roll)
        deadline = deadline_for(period, rule)
        if months_after and not roll:
            assert deadline > period.end
            assert (deadline.year * 12 + deadline.month) - (period.end.year * 12 + period.end.month) == months_after
        if working or roll:
            assert RUSSIA.is_working_day(deadline)


class TestWorkCalendar:
    @pytest.mark.parametrize(("year", "working_days"), [(2024, 248), (2025, 247), (2026, 247), (2027, 247)])
    def test_published_totals(self, year: int, working_days: int) -> None:
        first = date(year, 1, 1)
        days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
        assert sum(RUSSIA.is_working_day(d) for d in days) == working_days

    def test_2027_transfers_from_the_holidays_package(self) -> None:
        # The Government's 2027 decree: 2 January → Friday 5 November, 3 January → Friday 31 December,
        # Saturday 20 February → Monday 22 February (so the Saturday is a working day).
        assert not RUSSIA.is_working_day(date(2027, 11, 4))
        assert not RUSSIA.is_working_day(date(2027, 11, 5))
        assert not RUSSIA.is_working_day(date(2027, 12, 31))
        assert not RUSSIA.is_working_day(date(2027, 2, 22))
        assert RUSSIA.is_working_day(date(2027, 2, 20))
        assert working_weekends(2027) == {date(2027, 2, 20)}
        # Holidays on a weekend move to the next working day: 1 May (Sat) → 3 May, 12 June (Sat) → 14 June.
        assert not RUSSIA.is_working_day(date(2027, 5, 3)) and not RUSSIA.is_working_day(date(2027, 6, 14))
        assert working_weekends(2024) == {date(2024, 4, 27), date(2024, 11, 2), date(2024, 12, 28)}
        assert working_weekends(2025) == {date(2025, 11, 1)}

    def test_a_year_without_a_decree_gets_article_112(self) -> None:
        # No decree for 2099 is in any package: a weekend holiday other than 1–8 January moves to the
        # next working day. 9 May 2099 is a Saturday → Monday 11 May.
        assert not RUSSIA.is_working_day(date(2099, 5, 11))
        assert RUSSIA.is_working_day(date(2099, 5, 12))
        assert date(2099, 1, 10) not in non_working_days(2099)

    def test_working_day_arithmetic(self) -> None:
        # Three working days after Wednesday 3 November 2027: (4, 5 off; 6–7 weekend) 8, 9, 10.
        assert add_working_days(date(2027, 11, 3), 3) == date(2027, 11, 10)
        assert add_working_days(date(2027, 11, 1), 3) == date(2027, 11, 8)
        # Over the New Year: 29 December 2026 → 30 (1), 31 off, 1–10 January off → 11 (2), 12 (3).
        assert add_working_days(date(2026, 12, 29), 3) == date(2027, 1, 12)
        assert add_working_days(date(2027, 11, 4), 0) == date(2027, 11, 8)
        assert next_working_day(date(2027, 1, 5)) == date(2027, 1, 11)
        assert add_months(date(2027, 10, 31), 2) == date(2027, 12, 31)
        assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
        assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)

    def test_custom_calendar(self) -> None:
        calendar = WorkCalendar(frozenset({date(2027, 1, 4)}), frozenset({date(2027, 1, 9)}))
        assert not calendar.is_working_day(date(2027, 1, 4))
        assert calendar.is_working_day(date(2027, 1, 9))
        assert not calendar.is_working_day(date(2027, 1, 10))


class TestTimeZones:
    SUBMITTED = datetime(2025, 5, 5, 20, 0, tzinfo=UTC)
    APRIL = Period.parse("2025-04")

    def test_deadline_instants(self) -> None:
        assert deadline_instant(self.APRIL, MONTHLY, MURMANSK) == datetime(2025, 5, 5, 21, tzinfo=UTC)
        assert deadline_instant(self.APRIL, MONTHLY, KRASNOYARSK) == datetime(2025, 5, 5, 17, tzinfo=UTC)
        assert deadline_instant(self.APRIL, MONTHLY, KAMCHATKA) == datetime(2025, 5, 5, 12, tzinfo=UTC)
        assert deadline_instant(self.APRIL, MONTHLY, MURMANSK).tzinfo is not None

    def test_same_instant_late_in_krasnoyarsk_on_time_in_murmansk(self) -> None:
        # 20:00 UTC is 23:00 on 5 May in Murmansk but 03:00 on 6 May in Krasnoyarsk.
        assert not is_late(self.SUBMITTED, self.APRIL, MONTHLY, MURMANSK)
        assert is_late(self.SUBMITTED, self.APRIL, MONTHLY, KRASNOYARSK)
        assert is_late(self.SUBMITTED, self.APRIL, MONTHLY, KAMCHATKA)

    def test_boundaries_are_the_local_midnight(self) -> None:
        last_moment = datetime(2025, 5, 5, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=12)))
        assert not is_late(last_moment, self.APRIL, MONTHLY, KAMCHATKA)
        assert is_late(last_moment + timedelta(microseconds=1), self.APRIL, MONTHLY, KAMCHATKA)
        assert not is_late(datetime(2025, 5, 1, 0, 0, tzinfo=UTC), self.APRIL, MONTHLY, KAMCHATKA)

    def test_quarter_deadline_in_kamchatka(self) -> None:
        # Q2 2025 is due by 5 July in Petropavlovsk-Kamchatsky: 5 July 12:00 UTC is already the 6th there.
        assert not is_late(datetime(2025, 7, 5, 11, 59, tzinfo=UTC), Period.parse("2025Q2"), QUARTERLY, KAMCHATKA)
        assert is_late(datetime(2025, 7, 5, 12, 0, tzinfo=UTC), Period.parse("2025Q2"), QUARTERLY, KAMCHATKA)

    def test_naive_datetime_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            is_late(datetime(2025, 5, 5, 20), self.APRIL, MONTHLY, MURMANSK)

    @pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "UTC+3"])
    def test_invalid_time_zone(self, name: str) -> None:
        assert not is_valid_timezone(name)
        with pytest.raises(InvalidTimezone):
            deadline_instant(self.APRIL, MONTHLY, name)

    def test_valid_time_zones(self) -> None:
        assert all(is_valid_timezone(tz) for tz in (MURMANSK, KRASNOYARSK, KAMCHATKA, "Asia/Sakhalin"))
