"""Analytics rows: what one row is made of (``RowInputs``), the row itself (``row_fields``), built
without validation (``trusted_row``), and its JSON, kept between requests by those inputs (``RowTexts``).

A row is a pure function of its inputs: ``row_fields`` reads nothing but the ``RowInputs`` it is given.
So equal inputs give an equal row, and the JSON of a row once written can be served again for equal
inputs without judging the value against its targets, rounding and formatting it once more. The inputs
are the figures read in this request (the aggregate, the targets, the cause note, the cell's state) and
the indicator's rules as the request read them: a changed value, target, note or definition is a
different key, never a stale row.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from kpi_api.analytics.schemas import AnalyticsRow, DataFilter
from kpi_api.numbers import present, to_json_number
from kpi_api.targets.verdict import Judge, TargetFigures
from zdrav_shared.periods import Period

_ROW_FIELDS = frozenset(AnalyticsRow.model_fields)


class RowInputs(NamedTuple):
    """Everything one analytics row is made of (see the module)."""

    indicator_code: str
    org_unit_code: str
    period: str
    ytd: bool
    judge: Judge  # the indicator's rules for judging a value in the period (equal when the rules are)
    unit: str
    precision: int
    figure: Decimal | None  # the value before rounding to the precision
    why: str | None  # why there is no figure, as computed
    reported_units: int
    numerator: Decimal | None
    denominator: Decimal | None
    targets: tuple[tuple[str, TargetFigures], ...]  # the org unit's targets of the indicator by period code
    state: str | None  # why the cell has no number, as recorded ("x", "-", "нет должности")
    cause_note: str | None
    previous_period: str | None  # asked with previous=true
    previous_figure: Decimal | None
    pulled: tuple[tuple[str, Any], ...]  # a pulled indicator's counts, sample and data_as_of

    def __hash__(self) -> int:
        # The cell, not its figures: equal inputs are of the same cell, so this agrees with equality (the
        # few versions of a cell are told apart by it), and hashing every row's Decimals anew was half
        # of the look-up of a kept text.
        return hash((self.indicator_code, self.org_unit_code, self.period, self.judge))


def row_fields(inputs: RowInputs) -> dict[str, Any]:
    """The fields of the row ``inputs`` make, every one in AnalyticsRow's order (see ``trusted_row``)."""
    precision = inputs.precision
    value = present(inputs.figure, precision)
    known = dict(inputs.targets)
    judged = inputs.judge(value, known)
    target = judged.target
    note = _note(known, inputs.judge.period) if target is None and judged.target_low is None and known else None
    reason = None
    if value is None:
        reason = inputs.state if inputs.state is not None else inputs.why
    row = {
        "indicator_code": inputs.indicator_code,
        "org_unit_code": inputs.org_unit_code,
        "period": inputs.period,
        "ytd": inputs.ytd,
        "value": value,
        "reason": reason,
        "numerator": inputs.numerator,
        "denominator": inputs.denominator,
        "target": target,
        "target_period": judged.target_period,
        "baseline": judged.baseline,
        "target_low": judged.target_low,
        "target_high": judged.target_high,
        "deviation": judged.deviation,
        "deviation_pct": judged.deviation_pct,
        "status": judged.status,
        "status_reason": f"no numeric target: {note}" if note else judged.status_reason,
        "warning": judged.warning,
        "cause_note_required": judged.cause_note_required,
        "cause_note": inputs.cause_note,
        "previous_period": inputs.previous_period,
        "previous_value": present(inputs.previous_figure, precision),
        "reported_units": inputs.reported_units,
        "n": None,
        "sample_ok": None,
        "dont_know": None,
        "data_as_of": None,
        "unit": inputs.unit,
        "precision": precision,
    }
    if inputs.pulled:  # its numerator, denominator, n, sample and data_as_of, in their places
        row.update(inputs.pulled)
    return row


def _note(known: dict[str, TargetFigures], period: Period) -> str | None:
    for code in (period.code, str(period.year)):
        if code in known and known[code].note:
            return known[code].note
    return None


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


# JSON ---------------------------------------------------------------------------------------------

_LARGEST = sys.float_info.max


def _number(value: object) -> float:
    """A Decimal field as pydantic writes a JsonNumber; what cannot be a JSON number is refused."""
    if type(value) is Decimal:
        number = to_json_number(value)
        if -_LARGEST <= number <= _LARGEST:
            return number
        raise ValueError(f"{value} is beyond a JSON number")
    raise TypeError(f"{type(value).__name__} is not a field type of an analytics row")


def row_json(fields: dict[str, Any]) -> bytes:
    """A row's fields as ``AnalyticsRow.model_dump_json()`` writes them, byte for byte.

    pydantic's serializer called back for every Decimal and walked the 29 fields of thousands of rows
    itself: a tenth of a large answer's time. The rows hold only what orjson writes as pydantic does
    (str, int, bool, None, the Status enum, datetimes with ``OPT_UTC_Z``) and Decimals, written as the
    same float; a property test compares the bytes with pydantic's."""
    return orjson.dumps(fields, default=_number, option=orjson.OPT_UTC_Z)


def answer_json(rows: list[bytes], data: DataFilter, data_as_of: datetime) -> bytes:
    """``AnalyticsAnswer.model_dump_json()`` of the rows' JSON (``row_json``), the data read and when."""
    listed = orjson.Fragment(b"[" + b",".join(rows) + b"]")
    return orjson.dumps({"rows": listed, "data": data, "data_as_of": data_as_of}, option=orjson.OPT_UTC_Z)


class RowTexts:
    """The JSON of rows by their inputs, for the most recently answered ``capacity`` rows of the process.

    A dashboard reads the same figures again and again, and a large answer spent half its time judging,
    rounding and writing rows it had written before. The key is the whole of a row's inputs (see the
    module), so a text is served only for the row it was written from. About 4 KB a row (its inputs and
    its text: the kpi-api process grew by 15 MB with an answer of 3,655 rows), so the default capacity
    holds two such answers in ~33 MB; rows beyond it push out the least recently used."""

    def __init__(self, capacity: int = 8_192) -> None:
        self.capacity = capacity
        self._texts: OrderedDict[RowInputs, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, inputs: object) -> bool:
        return inputs in self._texts

    def text(self, inputs: RowInputs) -> bytes:
        texts = self._texts
        found = texts.get(inputs)
        if found is not None:
            texts.move_to_end(inputs)
            return found
        found = texts[inputs] = row_json(row_fields(inputs))
        if len(texts) > self.capacity:
            texts.popitem(last=False)
        return found


ROW_TEXTS = RowTexts()
"""The process's row texts: pure results by their whole inputs, so one store serves every request."""
