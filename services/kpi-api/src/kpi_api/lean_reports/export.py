"""The New-model report totals as an XLSX in the printed layout: one sheet per table with the report's
title, the table's title, group headers over their graphs, «Было»/«Стало» under before/after pairs,
the row of graph numbers, the three row types, «х» in the not-applicable cells, and the note line."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from kpi_api.export_words import HEADERS_RU, WORDS_RU
from kpi_api.lean_reports.form import Form
from kpi_api.lean_reports.schemas import LeanSummary
from zdrav_shared.spreadsheets import Dialect, csv_bytes

PHASE_RU = {"before": "Было", "after": "Стало"}
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def to_xlsx(summary: LeanSummary, form: Form) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table, data in zip(form.tables, summary.tables, strict=True):
        sheet = book.create_sheet(f"Таблица {table.table}")
        scope = summary.region or "Российская Федерация"
        sheet.append([f"{form.title_ru} — {scope}, на {_ru_date(summary.as_of)}"])
        sheet.append([table.title_ru])
        sheet["A1"].font = Font(bold=True)
        sheet["A2"].font = Font(bold=True)
        header_row = 3
        has_phase = any(c.phase for c in table.columns)
        groups: list[str | None] = [table.label_ru, *(c.group_ru or c.name_ru for c in table.columns)]
        names = [None] + [c.name_ru if c.group_ru else None for c in table.columns]
        phases = [None] + [PHASE_RU.get(c.phase or "") for c in table.columns]
        sheet.append(groups)
        sheet.append(names)
        if has_phase:
            sheet.append(phases)
        sheet.append([1] + [c.col for c in table.columns])
        numbers_row = sheet.max_row
        # Row 1 of the header: a group over its graphs, or a graph's own name over its Было/Стало pair,
        # which then also takes the (empty) second header row.
        for first, last in _runs(groups):
            ungrouped = all(table.columns[i - 1].group_ru is None for i in range(max(first, 1), last + 1))
            bottom = header_row + 1 if first > 0 and ungrouped else header_row
            if first == 0:
                bottom = numbers_row - 1  # the row label spans every header row
            if (first, bottom) != (last, header_row):
                sheet.merge_cells(start_row=header_row, start_column=first + 1, end_row=bottom, end_column=last + 1)
        for first, last in _runs(names):
            if first != last:
                sheet.merge_cells(
                    start_row=header_row + 1, start_column=first + 1, end_row=header_row + 1, end_column=last + 1
                )
        for row in data.rows:
            cells: list[object] = [row.name_ru]
            for column in table.columns:
                cell = row.cells[str(column.col)]
                cells.append("х" if cell.not_applicable else cell.value)
            sheet.append(cells)
        if table.footer_ru:
            sheet.append([])
            sheet.append([table.footer_ru])
        for row in sheet.iter_rows(min_row=header_row, max_row=numbers_row):
            for cell in row:
                cell.alignment = CENTRE
                cell.font = Font(bold=cell.row < numbers_row)
        for row in sheet.iter_rows(min_row=numbers_row + 1, max_row=numbers_row + len(data.rows), min_col=2):
            for cell in row:
                cell.alignment = Alignment(horizontal="center")
                if isinstance(cell.value, int | float):
                    cell.number_format = "0.##"
        sheet.column_dimensions["A"].width = 34
        for index in range(2, len(table.columns) + 2):
            sheet.column_dimensions[get_column_letter(index)].width = 16
        sheet.row_dimensions[header_row].height = 90
        sheet.freeze_panes = sheet.cell(row=numbers_row + 1, column=2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _runs(texts: Sequence[str | None]) -> list[tuple[int, int]]:
    """``(first, last)`` indexes of each run of equal, non-empty neighbouring header texts."""
    runs: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(texts) + 1):
        if index < len(texts) and texts[index] is not None and texts[index] == texts[start]:
            continue
        if texts[start] is not None:
            runs.append((start, index - 1))
        start = index
    return runs


def _ru_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


CSV_COLUMNS = (
    "table",
    "row_type",
    "col",
    "column_name_ru",
    "value",
    "numerator",
    "denominator",
    "n",
    "aggregation",
    "weighted",
    "not_applicable",
)


def to_csv(summary: LeanSummary, form: Form, dialect: Dialect = Dialect.EXCEL) -> bytes:
    """The totals one cell a line (table, row type, graph), for a spreadsheet or a script."""
    rows = []
    for table, data in zip(form.tables, summary.tables, strict=True):
        for row in data.rows:
            for column in table.columns:
                cell = row.cells[str(column.col)]
                rows.append(
                    [
                        table.table,
                        row.row_type.value,
                        column.col,
                        column.name_ru,
                        cell.value,
                        cell.numerator,
                        cell.denominator,
                        cell.n,
                        cell.aggregation.value,
                        cell.weighted,
                        cell.not_applicable,
                    ]
                )
    return csv_bytes(CSV_COLUMNS, rows, dialect, HEADERS_RU, WORDS_RU)
