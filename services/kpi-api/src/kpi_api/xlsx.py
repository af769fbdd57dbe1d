"""XLSX a Russian Excel user opens as a table: bold headers (Russian in the default dialect), a frozen
header row, column widths from the content, real dates and times (UTC, Excel has no time zones) with
Russian formats, numbers as numbers, text that would run as a formula escaped. Written in openpyxl's
write-only mode, so a large export streams rather than building every cell object."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from zdrav_shared.spreadsheets import Dialect, safe_text

MAX_WIDTH = 60
SAMPLE_ROWS = 500
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass
class Sheet:
    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)


def _cell_value(value: Any, dialect: Dialect, words: Mapping[str, str] | None) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return ("да" if value else "нет") if dialect is Dialect.EXCEL else value
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).replace(tzinfo=None)
    if isinstance(value, Decimal | int | float | date):
        return value
    text = str(value)
    if dialect is Dialect.EXCEL and words:
        text = words.get(text, text)
    return safe_text(text)


def _width(header: str, values: Sequence[Any]) -> float:
    longest = max([len(header), *(len(_shown(v)) for v in values)])
    return float(min(MAX_WIDTH, longest + 2))


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return "00.00.0000 00:00:00"
    if isinstance(value, date):
        return "00.00.0000"
    return "" if value is None else str(value)


def workbook(
    sheets: Sequence[Sheet],
    dialect: Dialect = Dialect.EXCEL,
    headers_ru: Mapping[str, str] | None = None,
    words_ru: Mapping[str, str] | None = None,
) -> bytes:
    book = Workbook(write_only=True)
    for sheet in sheets:
        ws: WriteOnlyWorksheet = book.create_sheet(sheet.title[:31])
        headers = [(headers_ru or {}).get(c, c) if dialect is Dialect.EXCEL else c for c in sheet.columns]
        values = [[_cell_value(v, dialect, words_ru) for v in row] for row in sheet.rows]
        sample = values[:SAMPLE_ROWS]
        for index, header in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(index)].width = _width(header, [r[index - 1] for r in sample])
        ws.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=header)
            cell.font, cell.alignment = BOLD, WRAP
            header_cells.append(cell)
        ws.append(header_cells)
        for row in values:
            ws.append([_styled(ws, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _styled(ws: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "DD.MM.YYYY HH:MM:SS"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "DD.MM.YYYY"
        return cell
    return value
