"""Schema building blocks shared by the features."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from zdrav_shared.contracts.execution import JsonNumber
from zdrav_shared.periods import InvalidPeriod, Period


def _period(text: str) -> str:
    try:
        return Period.parse(text).code
    except InvalidPeriod as exc:
        raise ValueError(f"'{text}' is not a period: use 2025, 2025Q2 or 2025-04") from exc


PeriodCode = Annotated[str, Field(max_length=10, examples=["2025"]), AfterValidator(_period)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Label = Annotated[str, Field(min_length=1, max_length=300)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Measurement = Annotated[Decimal, Field(max_digits=20, decimal_places=6)]
Number = JsonNumber


# Sensible bounds on dates keep absurd years (0001, 9999) out of date arithmetic.
def _bounded(d: date) -> date:
    if not date(1990, 1, 1) <= d <= date(2100, 12, 31):
        raise ValueError("dates must lie between 1990-01-01 and 2100-12-31")
    return d


Day = Annotated[date, AfterValidator(_bounded)]


def json_value(value: Any) -> Any:
    """A journal-friendly form of a column value (dates ISO, Decimals as strings)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def as_utc(moment: datetime) -> datetime:
    """An instant in UTC. SQLite keeps no offset, so a value read back without one is UTC (every
    instant is stored converted to UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
