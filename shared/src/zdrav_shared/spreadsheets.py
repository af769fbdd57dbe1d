"""CSV a Russian Excel opens with a double-click, and the plain form beside it.

Excel in a Russian locale splits a CSV on ``;`` and reads ``85,5`` as a number; it takes a file as
UTF-8 only with a byte-order mark. :attr:`Dialect.EXCEL` (the default of the exports) writes that:
``;``, decimal commas, the BOM, Russian column headers, ``да``/``нет``, dates as ``ДД.ММ.ГГГГ`` and
times as ``ДД.ММ.ГГГГ ЧЧ:ММ:СС`` (UTC). :attr:`Dialect.PLAIN` keeps the machine form: ``,``,
decimal points, English column names, ISO dates.

Text a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a carriage return) is
prefixed with a quote in both (CSV injection); numbers are numbers, a negative one included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


class Dialect(StrEnum):
    EXCEL = "excel"
    PLAIN = "plain"


def safe_text(text: str) -> str:
    """Prefix a quote to text a spreadsheet would evaluate (CSV/formula injection)."""
    return "'" + text if text.startswith(DANGEROUS) else text


def ru_number(value: Decimal | float | int) -> str:
    """``85.5`` → ``85,5``; integers as they are; never scientific notation."""
    if isinstance(value, int):
        return str(value)
    text = format(value if isinstance(value, Decimal) else Decimal(str(value)), "f")
    return text.replace(".", ",")


def excel_cell(value: Any, words: Mapping[str, str] | None = None) -> str:
    """One cell in the Russian Excel form; ``words`` translates code words (statuses) into Russian."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, Decimal | float | int):
        return ru_number(value)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    text = str(value)
    return safe_text(words.get(text, text) if words else text)


def plain_cell(value: Any) -> Any:
    """One cell in the plain form (what the exports wrote before the Russian form)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value


def csv_bytes(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    dialect: Dialect = Dialect.EXCEL,
    headers_ru: Mapping[str, str] | None = None,
    words_ru: Mapping[str, str] | None = None,
) -> bytes:
    """A CSV file (UTF-8 with BOM, CRLF lines) of ``rows`` under ``columns`` in ``dialect``; a column
    without a Russian header keeps its code name."""
    buffer = io.StringIO()
    if dialect is Dialect.EXCEL:
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([(headers_ru or {}).get(c, c) for c in columns])
        for row in rows:
            writer.writerow([excel_cell(v, words_ru) for v in row])
    else:
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([plain_cell(v) for v in row])
    return (BOM + buffer.getvalue()).encode("utf-8")
