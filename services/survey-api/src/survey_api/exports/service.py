"""Export rows as CSV (UTF-8 with BOM) or XLSX (openpyxl write-only), streamed.

The default ``excel`` dialect is what a Russian Excel opens with a double-click
(:mod:`zdrav_shared.spreadsheets`): CSV with ``;``, decimal commas, Russian headers and answers in
words (Да, Скорее да…); XLSX with Russian headers, real dates (UTC), widths and a frozen header row.
``plain`` keeps the English column names, answer codes and ISO times."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from survey_api.common import as_utc
from zdrav_shared.spreadsheets import Dialect, excel_cell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FILE_CHUNK = 64 * 1024


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


FIXED_COLUMNS = (
    "id",
    "org_unit_code",
    "channel",
    "entered_by",
    "submitted_at",
    "received_at",
    "clock_skew",
    "month",
    "screened_out",
)
HEADERS_RU = {
    "id": "Идентификатор ответа",
    "org_unit_code": "Код организации",
    "channel": "Канал",
    "entered_by": "Кто внёс ответы",
    "submitted_at": "Отправлен (UTC)",
    "received_at": "Получен сервером (UTC)",
    "clock_skew": "Расхождение часов устройства",
    "month": "Месяц",
    "screened_out": "Не проходил ситуацию (вне расчёта)",
}
WORDS_RU = {
    "yes": "Да",
    "rather_yes": "Скорее да",
    "rather_no": "Скорее нет",
    "no": "Нет",
    "dont_know": "Затрудняюсь ответить",
    "kiosk": "стойка",
    "online": "онлайн",
    "phone": "телефон",
    "paper": "бумажная анкета",
    "respondent": "респондент",
    "operator": "оператор",
}
WIDTHS = {"id": 38, "org_unit_code": 16, "channel": 16, "submitted_at": 20, "received_at": 20}


def header(question_codes: Sequence[str], dialect: Dialect = Dialect.PLAIN) -> list[str]:
    columns = [*FIXED_COLUMNS, *question_codes]
    return [HEADERS_RU.get(c, c) for c in columns] if dialect is Dialect.EXCEL else columns


def cells(row: Sequence[Any], question_codes: Sequence[str], dialect: Dialect = Dialect.PLAIN) -> list[Any]:
    """The plain form: ISO times, codes, ``screened_out`` as ``true``/``false`` (as in the JSON API); the
    Excel form: times as datetimes (UTC), Russian words, да/нет. A screening «no» keeps a response out of
    the aggregates, not out of the export."""
    response_id, org_unit, channel, entered_by, submitted_at, received_at, skew, month, screened_out, answers = row
    excel = dialect is Dialect.EXCEL
    times = [as_utc(submitted_at), as_utc(received_at)]
    values: list[Any] = [
        str(response_id),
        org_unit,
        WORDS_RU.get(channel, channel) if excel else channel,
        WORDS_RU.get(entered_by, entered_by) if excel else entered_by,
        *(t.replace(tzinfo=None) if excel else t.isoformat() for t in times),
        skew,
        month,
        bool(screened_out) if excel else ("true" if screened_out else "false"),
    ]
    for code in question_codes:
        value = answers.get(code)
        if isinstance(value, list):
            value = ";".join(map(str, value))
        elif excel and isinstance(value, str):
            value = WORDS_RU.get(value, value)
        values.append(value)
    return [safe_cell(v) for v in values]


async def csv_stream(
    batches: AsyncIterator[Sequence[Sequence[Any]]], question_codes: Sequence[str], dialect: Dialect = Dialect.EXCEL
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if dialect is Dialect.EXCEL else ",", lineterminator="\r\n")
    writer.writerow(header(question_codes, dialect))
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    async for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        if dialect is Dialect.EXCEL:
            # Cells are escaped already: excel_cell only formats numbers, times and yes/no.
            writer.writerows([excel_cell(v) for v in cells(row, question_codes, dialect)] for row in batch)
        else:
            writer.writerows(cells(row, question_codes, dialect) for row in batch)
        yield buffer.getvalue().encode("utf-8")


async def xlsx_stream(
    batches: AsyncIterator[Sequence[Sequence[Any]]], question_codes: Sequence[str], dialect: Dialect = Dialect.EXCEL
) -> AsyncIterator[bytes]:
    """Rows go to openpyxl's write-only sheet (spooled to disk by openpyxl), the workbook is saved to
    a temporary file and sent in chunks: memory stays flat whatever the row count. Times are real
    dates (UTC), the header row is frozen, widths are set per column."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Ответы" if dialect is Dialect.EXCEL else "responses")
    columns = [*FIXED_COLUMNS, *question_codes]
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column, 14)
    sheet.freeze_panes = "A2"
    titles = []
    for title in header(question_codes, dialect):
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        titles.append(cell)
    sheet.append(titles)
    async for batch in batches:
        for row in batch:
            sheet.append([_dated(sheet, v) for v in cells(row, question_codes, dialect)])
    with tempfile.TemporaryFile() as file:
        await asyncio.to_thread(workbook.save, file)
        file.seek(0)
        while chunk := await asyncio.to_thread(file.read, FILE_CHUNK):
            yield chunk


def _dated(sheet: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD.MM.YYYY HH:MM:SS"
        return cell
    return value
