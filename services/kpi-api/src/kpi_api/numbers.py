"""Decimals on the wire: exact inside the service, JSON numbers in answers (the contract wants numbers)."""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

from kpi_api.indicators.rules import round_for_display


def to_json_number(value: Decimal) -> float:
    """A Decimal as the JSON number an answer carries: the nearest float (pydantic writes 12 as 12.0),
    and 0.0 for -0."""
    return float(value) or 0.0


JsonNumber = Annotated[
    Decimal,
    PlainSerializer(to_json_number, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]
"""An exact Decimal inside the service and a JSON number on the wire."""

InputNumber = Annotated[
    Decimal,
    Field(max_digits=20, decimal_places=6, allow_inf_nan=False),
    PlainSerializer(to_json_number, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]
"""A number a client sends for storage: at most 14 integer digits and 6 decimal places."""


def present(value: Decimal | None, precision: int) -> Decimal | None:
    """Round half-up to the indicator's precision: the only rounding shown to clients. A value that
    rounds to zero is 0, never -0 (−0.04 shown to one place is 0.0)."""
    if value is None:
        return None
    shown = round_for_display(value, precision)
    return shown.copy_abs() if shown.is_zero() else shown


# plain() runs for every target, baseline, numerator and denominator of an answer: a shared context
# wide enough for nearly every integer, rather than a fresh local context per value.
_INTEGER_DIGITS = 34
_INTEGERS = Context(prec=_INTEGER_DIGITS)
_ONE = Decimal(1)


def plain(value: Decimal | None) -> Decimal | None:
    """A stored value without the trailing zeros of its column scale (12.500000 → 12.5)."""
    if value is None:
        return None
    normal = value.normalize()
    if normal != normal.to_integral_value():
        return normal
    # 1.2E+3 → 1200: enough digits for the whole integer, or quantize raises InvalidOperation once it
    # has more than the context's precision (a formula's numerator over a long product or division chain).
    digits = normal.adjusted() + 1
    context = _INTEGERS if digits <= _INTEGER_DIGITS else Context(prec=digits)
    return normal.quantize(_ONE, context=context)
