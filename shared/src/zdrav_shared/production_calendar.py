"""The Russian production calendar (five-day week), year by year, from the ``holidays`` package.

Non-working days of a year are what ``holidays`` lists for Russia: the public holidays of Labour
Code art. 112, a holiday on a weekend moved to the next working day, and the days off the
Government moved by its yearly decree (2027: 2 January → 5 November, 3 January → 31 December,
20 February → 22 February). A decree that moves a day off from a Saturday or Sunday that is not
itself a holiday makes that weekend day a working day (20 February 2027); ``holidays`` lists only
the day off, so the working Saturdays are read from the same transfer table
(``RussiaStaticHolidays.special_public_holidays``: ``(to_month, to_day, from_month, from_day)``).

A year after the last decree the package knows (the decree for a year appears in its autumn before)
gets art. 112 itself: a holiday other than 1–8 January that falls on a weekend moves to the next
working day, and no working Saturday. Check: 248 working days in 2024, 247 in 2025, 247 in 2026
and 247 in 2027, as published.

Built lazily per year and cached: the first year costs the package's start-up (~0.5 s), later ones
under a millisecond.

Shared by the services: kpi-api's reporting deadlines (``kpi_api.reporting_calendar``) and
roadmap-api's follow-up due dates both count working days on it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

import holidays
from holidays.countries.russia import RussiaStaticHolidays

# Art. 112: weekends that coincide with 1–8 January are not moved by the statute (the Government
# moves two of them by decree), every other holiday on a weekend gives the next working day off.
_NEW_YEAR_RUN = 8


def _transfers() -> dict[int, list[tuple[int, int, int, int]]]:
    """The Government's transfers by year as ``(to_month, to_day, from_month, from_day)`` (the package
    writes a year with one transfer as a bare tuple, with several as a tuple of tuples)."""
    table: dict[int, list[tuple[int, int, int, int]]] = {}
    special: dict[int, Any] = RussiaStaticHolidays.special_public_holidays
    for year, entries in special.items():
        rows: tuple[Any, ...] = entries if entries and isinstance(entries[0], tuple) else (entries,)
        table[int(year)] = [(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows if len(r) == 4]
    return table


@cache
def _last_decree_year() -> int:
    return max(_transfers())


@cache
def non_working_days(year: int) -> frozenset[date]:
    """Public holidays and the days off moved onto working days in ``year`` (weekends not included)."""
    days = set(holidays.country_holidays("RU", years=year, language="en_US").keys())
    if year > _last_decree_year():
        days |= _statutory_observed(year, days)
    return frozenset(d for d in days if d.year == year)


@cache
def working_weekends(year: int) -> frozenset[date]:
    """Saturdays and Sundays of ``year`` that the Government's transfers made working days."""
    off = holidays.country_holidays("RU", years=year, language="en_US")
    found: set[date] = set()
    for _to_month, _to_day, from_month, from_day in _transfers().get(year, []):
        source = date(year, from_month, from_day)
        if source.weekday() >= 5 and source not in off:
            found.add(source)
    return frozenset(found)


def _statutory_observed(year: int, public: set[date]) -> set[date]:
    """Art. 112 for a year without a decree: each holiday after 8 January falling on a weekend moves
    to the next day that is neither a weekend nor a holiday."""
    moved: set[date] = set()
    for day in sorted(public):
        if day.weekday() < 5 or (day.month == 1 and day.day <= _NEW_YEAR_RUN):
            continue
        candidate = day + timedelta(days=1)
        while candidate.weekday() >= 5 or candidate in public or candidate in moved:
            candidate += timedelta(days=1)
        moved.add(candidate)
    return moved


def is_working_day(day: date) -> bool:
    """Monday–Friday minus the year's holidays and moved days off, plus the Saturdays made working days."""
    if day in working_weekends(day.year):
        return True
    return day.weekday() < 5 and day not in non_working_days(day.year)


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day``, the day itself not counted (Civil Code art. 191:
    a term starts the day after the event); ``count`` ≤ 0 gives the first working day from ``day`` on."""
    if count <= 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    found = 0
    while found < count:
        day += timedelta(days=1)
        if is_working_day(day):
            found += 1
    return day
