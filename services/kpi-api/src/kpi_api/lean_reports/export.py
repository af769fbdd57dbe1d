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
        _merge_runs(sheet, header_row, groups)
        _merge_runs(sheet, header_row + 1, names)
        # The label spans every header row; a graph without a group spans its two name rows.
        sheet.merge_cells(start_row=header_row, start_column=1, end_row=numbers_row - 1, end_column=1)
        for index, column in enumerate(table.columns, start=2):
            if column.group_ru is None and not _merged(sheet, header_row, index):
                sheet.merge_cells(start_row=header_row, start_column=index, end_row=header_row + 1, end_column=index)
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


def _merge_runs(sheet: object, row: int, texts: Sequence[str | None]) -> None:
    """Merge neighbouring equal header texts (a group over its graphs, a name over Было/Стало)."""
    start = 0
    for index in range(1, len(texts) + 1):
        if index < len(texts) and texts[index] is not None and texts[index] == texts[start]:
            continue
        if texts[start] is not None and index - 1 > start:
            sheet.merge_cells(start_row=row, start_column=start + 1, end_row=row, end_column=index)  # type: ignore[attr-defined]
        start = index


def _merged(sheet: object, row: int, column: int) -> bool:
    return any(
        r.min_row <= row <= r.max_row and r.min_col <= column <= r.max_col
        for r in sheet.merged_cells.ranges  # type: ignore[attr-defined]
    )


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
