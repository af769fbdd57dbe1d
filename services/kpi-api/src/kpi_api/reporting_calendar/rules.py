"""Reporting deadlines: when the report for a period is due, in the region's own time zone.

A deadline is a day in a month that follows the period: the ``day_of_month``-th calendar day (or,
with ``working_days``, the ``day_of_month``-th working day) of the month ``months_after`` months
after the period's last month. "By the 5th" means until the end of the 5th in the region's local
time, so the same UTC instant can be on time in Moscow and late in Krasnoyarsk.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.production_calendar import non_working_days, working_weekends

UTC = ZoneInfo("UTC")


class InvalidTimezone(ValueError):
    """The org unit's time zone is not an IANA name known to the tz database."""


@runtime_checkable
class DayCalendar(Protocol):
    """Anything that tells working days from days off."""

    def is_working_day(self, day: date) -> bool: ...


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Which days are working days: Monday–Friday, minus ``holidays``, plus ``working_weekends``."""

    holidays: frozenset[date] = frozenset()
    working_weekends: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays


@dataclass(frozen=True, slots=True)
class ProductionCalendar:
    """Russia's production calendar of each year (:mod:`~zdrav_shared.production_calendar`):
    Monday–Friday minus the year's holidays and moved days off, plus the Saturdays made working days."""

    def is_working_day(self, day: date) -> bool:
        if day in working_weekends(day.year):
            return True
        return day.weekday() < 5 and day not in non_working_days(day.year)


RUSSIA = ProductionCalendar()
"""The default calendar: the Russian production calendar of whichever year a day falls in."""

# A year never holds more than a few weeks of consecutive days off; the bound only stops a
# misconfigured calendar (every day a holiday) from looping forever.
_MAX_SCAN_DAYS = 366


def next_working_day(day: date, holidays: Collection[date] | DayCalendar = RUSSIA) -> date:
    """``day`` itself when it is a working day, else the first working day after it (Civil Code
    art. 193: a term ending on a day off ends on the next working day)."""
    work = _as_calendar(holidays)
    for _ in range(_MAX_SCAN_DAYS):
        if work.is_working_day(day):
            return day
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int, holidays: Collection[date] | DayCalendar = RUSSIA) -> date:
    """The ``count``-th working day after ``day`` (the day itself not counted: art. 191, a term
    starts the day after the event). ``count`` 0 gives ``day`` rolled forward to a working day."""
    work = _as_calendar(holidays)
    if count <= 0:
        return next_working_day(day, work)
    found = 0
    for _ in range(count * 7 + _MAX_SCAN_DAYS):
        day += timedelta(days=1)
        if work.is_working_day(day):
            found += 1
            if found == count:
                return day
    return day


def add_months(day: date, months: int) -> date:
    """The same day ``months`` months later; a day the month lacks is its last day (art. 192:
    a term of months ends on the matching day of its last month, else that month's last day)."""
    ordinal = day.year * 12 + day.month - 1 + months
    year, month = divmod(ordinal, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """``day_of_month``-th (calendar or working) day of the month ``months_after`` the period ends.

    ``roll_forward`` moves a calendar-day deadline that falls on a day off to the next working day
    (the Civil Code art. 193 reading); it has no effect with ``working_days``. A calendar day past
    the month's end means the month's last day (31 → 28 February).
    """

    day_of_month: int = 5
    months_after: int = 1
    working_days: bool = False
    roll_forward: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.day_of_month <= 31:
            raise ValueError("day_of_month must be between 1 and 31")
        if not 0 <= self.months_after <= 12:
            raise ValueError("months_after must be between 0 and 12")

    def describe(self) -> str:
        """English wording, e.g. 'by the 5th day of the month after the period'."""
        kind = "working day" if self.working_days else "day"
        if self.months_after == 0:
            month = "the last month of the period"
        elif self.months_after == 1:
            month = "the month after the period"
        else:
            month = f"the {_ordinal(self.months_after)} month after the period"
        return f"by the {_ordinal(self.day_of_month)} {kind} of {month}"


# Read-only: a shared default must not be changed in place by one caller for all the others.
DEFAULT_RULES: Mapping[PeriodType, DeadlineRule] = MappingProxyType(
    {
        # Monthly reports: from the 1st to the 5th of the following month.
        PeriodType.MONTH: DeadlineRule(day_of_month=5, months_after=1),
        # Quarterly reports: by the 5th of the month after the quarter (some programmes use the 10th).
        PeriodType.QUARTER: DeadlineRule(day_of_month=5, months_after=1),
        # Yearly reports: by 15 February of the next year. The sources fix no yearly date; this is a
        # default to override per programme.
        PeriodType.YEAR: DeadlineRule(day_of_month=15, months_after=2),
    }
)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _as_calendar(holidays: Collection[date] | DayCalendar) -> DayCalendar:
    if isinstance(holidays, DayCalendar):
        return holidays
    return WorkCalendar(frozenset(holidays))


def deadline_for(period: Period, rule: DeadlineRule, holidays: Collection[date] | DayCalendar = RUSSIA) -> date:
    """The last day on which the report for ``period`` is on time.

    ``holidays`` is a :class:`DayCalendar` (the Russian production calendar by default) or a plain
    collection of non-working dates (then no Saturday is a working day). It matters for
    ``working_days`` and ``roll_forward`` rules only.
    With ``working_days`` and fewer working days in the month than asked for, the month's last
    working day is the deadline.
    """
    work = _as_calendar(holidays)
    ordinal = period.year * 12 + period.last_month - 1 + rule.months_after
    year, month = divmod(ordinal, 12)
    month += 1
    days_in_month = calendar.monthrange(year, month)[1]
    if rule.working_days:
        working = [d for d in (date(year, month, i) for i in range(1, days_in_month + 1)) if work.is_working_day(d)]
        if not working:
            return date(year, month, days_in_month)
        return working[min(rule.day_of_month, len(working)) - 1]
    deadline = date(year, month, min(rule.day_of_month, days_in_month))
    if rule.roll_forward:
        deadline = next_working_day(deadline, work)
    return deadline


def zone(timezone: str) -> ZoneInfo:
    """The :class:`ZoneInfo` for an IANA name; :class:`InvalidTimezone` for anything else."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidTimezone(f"'{timezone}' is not an IANA time zone such as Europe/Moscow") from error


def is_valid_timezone(timezone: str) -> bool:
    """True for an IANA time-zone name known to the tz database (``Asia/Krasnoyarsk``)."""
    try:
        zone(timezone)
    except InvalidTimezone:
        return False
    return True


def deadline_instant(
    period: Period,
    rule: DeadlineRule,
    timezone: str,
    holidays: Collection[date] | DayCalendar = RUSSIA,
) -> datetime:
    """The first late instant, in UTC: the start of the day after the deadline day, local time.

    A report is on time when submitted strictly before this instant (that is, by 23:59:59.999999
    local time on the deadline day). An exclusive bound avoids sub-microsecond edge cases.
    """
    day_after = deadline_for(period, rule, holidays) + timedelta(days=1)
    local_midnight = datetime.combine(day_after, time(0), tzinfo=zone(timezone))
    return local_midnight.astimezone(UTC)


def is_late(
    submitted_at: datetime,
    period: Period,
    rule: DeadlineRule,
    timezone: str,
    holidays: Collection[date] | DayCalendar = RUSSIA,
) -> bool:
    """True when ``submitted_at`` (timezone-aware) is at or after :func:`deadline_instant`."""
    if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
        raise ValueError("submitted_at must be timezone-aware")
    return submitted_at >= deadline_instant(period, rule, timezone, holidays)
