"""Device clock checks and the reporting month of a response."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_api.responses.rules import (
    FUTURE_TOLERANCE,
    MAX_OFFLINE_AGE,
    ClockSkew,
    ClockWindow,
    check_clock,
    clock_skew,
    response_month,
)
from zdrav_shared.periods import Period, PeriodType

RECEIVED = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        (RECEIVED, ClockSkew.NONE),
        (RECEIVED + timedelta(minutes=5), ClockSkew.NONE),  # the tolerance is inclusive
        (RECEIVED + timedelta(minutes=5, seconds=1), ClockSkew.FUTURE),
        (RECEIVED + timedelta(days=365 * 6), ClockSkew.FUTURE),
        (RECEIVED - timedelta(hours=7), ClockSkew.NONE),  # a kiosk offline over night
        (RECEIVED - timedelta(days=30), ClockSkew.NONE),
        (RECEIVED - timedelta(days=30, seconds=1), ClockSkew.TOO_OLD),
        (datetime(1970, 1, 1, tzinfo=UTC), ClockSkew.TOO_OLD),  # a clock reset to the epoch
    ],
)
def test_clock_skew_rule(submitted: datetime, expected: ClockSkew) -> None:
    assert clock_skew(submitted, RECEIVED) is expected


def test_offsets_do_not_matter() -> None:
    # 14:59 in Moscow is 11:59 UTC: one minute before receipt, not three hours in the future.
    moscow = datetime(2025, 4, 10, 14, 59, tzinfo=timezone(timedelta(hours=3)))
    assert clock_skew(moscow, RECEIVED) is ClockSkew.NONE


def test_bounds_can_be_tightened_per_campaign() -> None:
    week_old = RECEIVED - timedelta(days=7)
    assert clock_skew(week_old, RECEIVED, max_age=timedelta(days=3)) is ClockSkew.TOO_OLD
    assert clock_skew(RECEIVED + timedelta(minutes=1), RECEIVED, future_tolerance=timedelta(0)) is (ClockSkew.FUTURE)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        clock_skew(datetime(2025, 4, 10, 12, 0), RECEIVED)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock_skew(RECEIVED, datetime(2025, 4, 10, 12, 0))


def test_check_clock_attributes_skewed_responses_to_receipt() -> None:
    trusted = check_clock(RECEIVED - timedelta(days=2), RECEIVED)
    assert trusted.skew is ClockSkew.NONE
    assert trusted.effective_at == RECEIVED - timedelta(days=2)

    future = check_clock(datetime(2031, 1, 1, tzinfo=UTC), RECEIVED)
    assert future.skew is ClockSkew.FUTURE
    assert future.effective_at == RECEIVED


def test_effective_at_is_utc() -> None:
    local = datetime(2025, 4, 10, 14, 0, tzinfo=timezone(timedelta(hours=3)))
    assert check_clock(local, RECEIVED).effective_at.tzinfo is UTC


@settings(max_examples=150, deadline=None)
@given(st.timedeltas(min_value=-timedelta(days=400), max_value=timedelta(days=400)))
def test_verdict_matches_the_documented_rule(lead: timedelta) -> None:
    verdict = clock_skew(RECEIVED + lead, RECEIVED)
    if lead > FUTURE_TOLERANCE:
        assert verdict is ClockSkew.FUTURE
    elif lead < -MAX_OFFLINE_AGE:
        assert verdict is ClockSkew.TOO_OLD
    else:
        assert verdict is ClockSkew.NONE


class TestResponseMonth:
    def test_local_date_decides_the_month(self) -> None:
        instant = datetime(2025, 3, 31, 19, 0, tzinfo=UTC)  # 02:00 on 1 April in Krasnoyarsk
        assert response_month(instant, ZoneInfo("Asia/Krasnoyarsk")) == Period.parse("2025-04")
        assert response_month(instant, ZoneInfo("Europe/Moscow")) == Period.parse("2025-03")

    def test_month_rolls_up_to_its_quarter(self) -> None:
        month = response_month(datetime(2025, 6, 30, 23, 0, tzinfo=UTC), ZoneInfo("Asia/Kamchatka"))
        assert month == Period.parse("2025-07")
        assert month.parent(PeriodType.QUARTER) == Period.parse("2025Q3")

    def test_naive_datetime_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            response_month(datetime(2025, 4, 1), ZoneInfo("Europe/Moscow"))


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.timedeltas(timedelta(days=-40), timedelta(days=1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_the_window_trusts_what_check_clock_trusts(received: datetime, lead: timedelta, offset_minutes: int) -> None:
    submitted = (received + lead).astimezone(timezone(timedelta(minutes=offset_minutes)))
    window = ClockWindow.around(received)
    assert window.trusts(submitted) == (check_clock(submitted, received).skew is ClockSkew.NONE)
    for edge in (window.earliest, window.latest):  # both bounds are trusted, as by check_clock
        assert window.trusts(edge) and check_clock(edge, received).skew is ClockSkew.NONE
