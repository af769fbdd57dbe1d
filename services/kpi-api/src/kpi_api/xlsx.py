"""XLSX a Russian Excel user opens as a table: bold headers (Russian in the default dialect), a frozen
header row, column widths from the content, real dates and times (UTC, Excel has no time zones) with
Russian formats, numbers as numbers, text that would run as a formula escaped. Written in openpyxl's
write-only mode, so a large export streams rather than building every cell object. A sheet may carry
native Excel bar charts over its own columns (:class:`BarChartSpec`): Excel draws them from the cells,
so they follow any edit the reader makes."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from zdrav_shared.spreadsheets import Dialect, safe_text

MAX_WIDTH = 60
SAMPLE_ROWS = 500
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class BarChartSpec:
    """A native bar chart of ``values`` (column names of the sheet) over the ``categories`` column, one
    bar group per row; ``stacked`` stacks the series (parts of a whole)."""

    title: str
    categories: str
    values: Sequence[str]
    y_title: str | None = None
    stacked: bool = False


@dataclass
class Sheet:
    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    charts: Sequence[BarChartSpec] = ()


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
        for index, spec in enumerate(sheet.charts if sheet.rows else ()):
            # Beside the table, one below the other (15 rows of the default height each).
            anchor = f"{get_column_letter(len(sheet.columns) + 2)}{2 + 16 * index}"
            ws.add_chart(_bar_chart(ws, sheet, spec), anchor)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _bar_chart(ws: WriteOnlyWorksheet, sheet: Sheet, spec: BarChartSpec) -> BarChart:
    last = len(sheet.rows) + 1
    chart = BarChart()
    chart.type = "bar" if len(sheet.rows) > 8 else "col"  # many regions read better as horizontal bars
    chart.title = spec.title
    if spec.stacked:
        chart.grouping, chart.overlap = "stacked", 100
    if spec.y_title:
        chart.y_axis.title = spec.y_title
    for name in spec.values:
        column = sheet.columns.index(name) + 1
        chart.add_data(Reference(ws, min_col=column, min_row=1, max_row=last), titles_from_data=True)
    category = sheet.columns.index(spec.categories) + 1
    chart.set_categories(Reference(ws, min_col=category, min_row=2, max_row=last))
    chart.width, chart.height = 18.0, 7.5
    return chart


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
