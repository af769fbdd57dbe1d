"""What a printed cell of a value table says: a number as the programmes print it ("85,5%", "1 234,5"
with a space or a no-break space between thousands, a decimal comma), or one of the three kinds of "no
number" — "x" (not applicable), "нет должности" (no post), "-" (not reported). An empty cell is the
fourth: nothing was sent, and the row needs a value or a state."""

from __future__ import annotations

import re
from decimal import Decimal

from kpi_api.imports.parsing import parse_decimal
from kpi_api.values.schemas import ValueState

# Latin and Cyrillic x (the printed tables use either), dashes of every width.
_STATES: dict[str, ValueState] = {
    "x": ValueState.NOT_APPLICABLE,
    "х": ValueState.NOT_APPLICABLE,
    "нет должности": ValueState.NO_POST,
    "-": ValueState.NOT_REPORTED,
    "–": ValueState.NOT_REPORTED,
    "—": ValueState.NOT_REPORTED,
}
TOTAL_LABELS = frozenset({"итого", "всего", "total"})
_RANGE = re.compile(r"(\d+(?:[.,]\d+)?)\s*[-–—]\s*(\d+(?:[.,]\d+)?)")


def cell_state(text: str) -> ValueState | None:
    """The "no number" a cell prints, or None."""
    cleaned = " ".join(text.replace("\u00a0", " ").split()).lower()
    found = _STATES.get(cleaned)
    if found is not None:
        return found
    try:
        return ValueState(cleaned)  # the state's own name, as an export writes it
    except ValueError:
        return None


def cell_number(text: str) -> Decimal | str:
    """A printed number ("85,5%" → 85.5); anything else is returned as it was, to be refused."""
    stripped = text.strip()
    if stripped.endswith("%"):
        stripped = stripped[:-1]
    return parse_decimal(stripped)


def is_total_label(code: str) -> bool:
    """A row labelled as the table's total instead of an org unit's code."""
    return code.strip().lower().rstrip(":") in TOTAL_LABELS


def printed_range(text: str) -> tuple[Decimal | str, Decimal | str] | None:
    """A target printed as a range ("4-14", "4 – 14", "0,5-1,5") as its two bounds, or None."""
    found = _RANGE.fullmatch(text.strip())
    if found is None:
        return None
    return cell_number(found[1]), cell_number(found[2])
