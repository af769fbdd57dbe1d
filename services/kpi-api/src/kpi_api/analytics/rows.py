"""Analytics rows built without validation (the service computed and checked every field itself), and
the answer written from them without pydantic's serializer."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

import orjson

from kpi_api.analytics.schemas import AnalyticsAnswer, AnalyticsRow

_ROW_FIELDS = frozenset(AnalyticsRow.model_fields)


def trusted_row(fields: dict[str, Any]) -> AnalyticsRow:
    """An AnalyticsRow from values the service computed and checked itself, without validation.

    ``fields`` holds every field of AnalyticsRow in the model's order and becomes the row's ``__dict__``
    as it is: what ``model_construct`` does, minus its per-field alias and default look-ups and a copy
    of 29 keys (constructing and copying rows was a quarter of a large answer's Python time). The
    order matters: pydantic writes a row's JSON in its dict's order and leaves out a missing key
    without a word; the unit test and the API tests check the keys against the model. No post-init
    hook, extra fields or private attributes exist on AnalyticsRow; the unit test keeps that honest."""
    row = AnalyticsRow.__new__(AnalyticsRow)
    object.__setattr__(row, "__dict__", fields)
    object.__setattr__(row, "__pydantic_fields_set__", _ROW_FIELDS)
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row


_LARGEST = sys.float_info.max


def _number(value: object) -> float:
    """A Decimal field as pydantic writes a JsonNumber (``to_json_number``, written out: this runs for
    every figure of an answer)."""
    if type(value) is Decimal:
        number = float(value) or 0.0
        if -_LARGEST <= number <= _LARGEST:
            return number
        raise ValueError(f"{value} is beyond a JSON number")
    raise TypeError(f"{type(value).__name__} is not a field type of an analytics row")


def answer_json(answer: AnalyticsAnswer) -> bytes:
    """``answer.model_dump_json()``, byte for byte, written by orjson from the rows' own dicts.

    pydantic's serializer called the JSON-number conversion for every Decimal through its plain
    serializer and walked the 29 fields of thousands of rows itself: a tenth of a large answer's time.
    The rows hold only what orjson writes as pydantic does (str, int, bool, None, the Status enum, and
    datetimes with ``OPT_UTC_Z``) and Decimals, written as the same float; a property test compares the
    bytes with pydantic's."""
    return orjson.dumps(
        {"rows": [row.__dict__ for row in answer.rows], "data": answer.data, "data_as_of": answer.data_as_of},
        default=_number,
        option=orjson.OPT_UTC_Z,
    )
