"""Reporting periods: ``2025`` (year), ``2025Q2`` (quarter), ``2025-04`` (month).

One module parses, orders, contains, shifts and bounds them, so every service agrees on what
``2025Q2`` means. Periods are immutable value objects; their string form is the wire format.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

MIN_YEAR = 1900
MAX_YEAR = 2999

# ASCII only: without it ``\d`` also matches full-width and other Unicode digits, so "２０２５" would
# parse as 2025 although the JSON schema (and every other service) rejects it.
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$", re.ASCII)


class PeriodType(StrEnum):
    """The three granularities, ordered from coarse to fine by :attr:`rank`."""

    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"

    @property
    def months(self) -> int:
        """How many months one period of this type spans."""
        return {PeriodType.YEAR: 12, PeriodType.QUARTER: 3, PeriodType.MONTH: 1}[self]


class InvalidPeriod(ValueError):
    """Raised for a string that is not a valid period code."""


@dataclass(frozen=True, slots=True, order=False)
class Period:
    """A calendar period. ``index`` is 1 for a year, 1–4 for a quarter and 1–12 for a month."""

    type: PeriodType
    year: int
    index: int = 1

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise InvalidPeriod(f"year {self.year} is outside {MIN_YEAR}–{MAX_YEAR}")
        upper = 12 // self.type.months
        if not 1 <= self.index <= upper:
            raise InvalidPeriod(f"{self.type.value} index {self.index} is outside 1–{upper}")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2025``, ``2025Q2`` or ``2025-04``; raise :class:`InvalidPeriod` otherwise."""
        if not isinstance(text, str):
            raise InvalidPeriod("a period must be a string such as 2025, 2025Q2 or 2025-04")
        match = _PATTERN.match(text.strip())
        if match is None:
            raise InvalidPeriod(f"'{text}' is not a period: use 2025, 2025Q2 or 2025-04")
        year = int(match["year"])
        if match["quarter"]:
            return cls(PeriodType.QUARTER, year, int(match["quarter"]))
        if match["month"]:
            return cls(PeriodType.MONTH, year, int(match["month"]))
        return cls(PeriodType.YEAR, year, 1)

    @classmethod
    def year_of(cls, year: int) -> Period:
        return cls(PeriodType.YEAR, year, 1)

    @classmethod
    def quarter_of(cls, year: int, quarter: int) -> Period:
        return cls(PeriodType.QUARTER, year, quarter)

    @classmethod
    def month_of(cls, year: int, month: int) -> Period:
        return cls(PeriodType.MONTH, year, month)

    @classmethod
    def containing(cls, day: date, period_type: PeriodType) -> Period:
        """The period of ``period_type`` that contains ``day``."""
        if period_type is PeriodType.YEAR:
            return cls.year_of(day.year)
        if period_type is PeriodType.QUARTER:
            return cls.quarter_of(day.year, (day.month - 1) // 3 + 1)
        return cls.month_of(day.year, day.month)

    # -- representation -----------------------------------------------------------------------

    @property
    def code(self) -> str:
        return _code(self.type, self.year, self.index)

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"Period({self.code!r})"

    # -- bounds -------------------------------------------------------------------------------

    @property
    def first_month(self) -> int:
        """Month number (1–12) in which the period starts."""
        return (self.index - 1) * self.type.months + 1

    @property
    def last_month(self) -> int:
        return self.first_month + self.type.months - 1

    @property
    def start(self) -> date:
        """First day of the period."""
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """Last day of the period (inclusive)."""
        last = self.last_month
        return date(self.year, last, calendar.monthrange(self.year, last)[1])

    @property
    def _month_ordinal(self) -> int:
        return self.year * 12 + self.first_month - 1

    # -- ordering -----------------------------------------------------------------------------

    def sort_key(self) -> tuple[int, int]:
        """Chronological by start; on equal start the coarser period comes first."""
        return (self._month_ordinal, -self.type.months)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key() >= other.sort_key()

    # -- containment --------------------------------------------------------------------------

    def contains(self, other: Period) -> bool:
        """True when ``other`` lies wholly inside this period (a period contains itself)."""
        return self.type.months >= other.type.months and self.start <= other.start and other.end <= self.end

    def __contains__(self, other: object) -> bool:
        return isinstance(other, Period) and self.contains(other)

    def parent(self, period_type: PeriodType) -> Period:
        """The period of a coarser (or the same) type that contains this one."""
        if period_type.months < self.type.months:
            raise InvalidPeriod(f"a {self.type.value} cannot be inside a {period_type.value}")
        return Period.containing(self.start, period_type)

    def children(self, period_type: PeriodType) -> list[Period]:
        """The periods of a finer (or the same) type that make up this one, in order."""
        if period_type.months > self.type.months:
            raise InvalidPeriod(f"a {self.type.value} cannot be split into {period_type.value}s")
        step = period_type.months
        return [
            Period.containing(date(self.year, month, 1), period_type)
            for month in range(self.first_month, self.last_month + 1, step)
        ]

    def year_to_date(self) -> list[Period]:
        """Periods of this type from the start of the year up to and including this one."""
        return [Period(self.type, self.year, i) for i in range(1, self.index + 1)]

    # -- shifting -----------------------------------------------------------------------------

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods of the same type later (earlier when negative)."""
        per_year = 12 // self.type.months
        zero_based = self.year * per_year + (self.index - 1) + steps
        return Period(self.type, zero_based // per_year, zero_based % per_year + 1)

    def previous(self) -> Period:
        """The period of the same type just before this one (2025Q1 → 2024Q4)."""
        return self.shift(-1)

    def next(self) -> Period:
        return self.shift(1)

    def same_period_last_year(self) -> Period:
        """2025Q2 → 2024Q2, 2025-04 → 2024-04, 2025 → 2024."""
        return Period(self.type, self.year - 1, self.index)


def parse_period(value: Any) -> Period:
    """Pydantic-friendly parser: accepts a :class:`Period` or its string code."""
    if isinstance(value, Period):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidPeriod("a period must be a string such as 2025, 2025Q2 or 2025-04")
    return Period.parse(value)


def iter_periods(first: Period, last: Period) -> Iterator[Period]:
    """Periods of ``first``'s type from ``first`` to ``last`` inclusive."""
    if first.type is not last.type:
        raise InvalidPeriod("a range of periods needs two periods of the same type")
    current = first
    while current <= last:
        yield current
        current = current.next()


PeriodField = Annotated[
    Period,
    BeforeValidator(parse_period),
    PlainSerializer(lambda p: p.code, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$",
            "examples": ["2025", "2025Q2", "2025-04"],
            "description": "A period: year 2025, quarter 2025Q2 or month 2025-04.",
        }
    ),
]
"""Use in pydantic models: validates the code on input, serialises back to the code."""


@lru_cache(maxsize=4096)
def _code(kind: PeriodType, year: int, index: int) -> str:
    # Cached: analytics formats the same few codes for thousands of rows (a frozen, slotted
    # dataclass cannot cache a property on the instance).
    if kind is PeriodType.YEAR:
        return f"{year:04d}"
    if kind is PeriodType.QUARTER:
        return f"{year:04d}Q{index}"
    return f"{year:04d}-{index:02d}"
