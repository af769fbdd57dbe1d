"""Export rows as CSV (UTF-8 with BOM, for Excel) or XLSX (openpyxl write-only), streamed."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator, Sequence
from typing import Any

from openpyxl import Workbook

from survey_api.common import as_utc

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FILE_CHUNK = 64 * 1024


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def header(question_codes: Sequence[str]) -> list[str]:
    return [
        "id",
        "org_unit_code",
        "channel",
        "entered_by",
        "submitted_at",
        "received_at",
        "clock_skew",
        "month",
        "screened_out",
        *question_codes,
    ]


def cells(row: Sequence[Any], question_codes: Sequence[str]) -> list[Any]:
    """One response's cells. ``screened_out`` is ``true`` / ``false`` (as in the JSON API): a «no» to
    the screening question keeps the response out of the aggregates, not out of the export."""
    response_id, org_unit, channel, entered_by, submitted_at, received_at, skew, month, screened_out, answers = row
    values: list[Any] = [
        str(response_id),
        org_unit,
        channel,
        entered_by,
        as_utc(submitted_at).isoformat(),
        as_utc(received_at).isoformat(),
        skew,
        month,
        "true" if screened_out else "false",
    ]
    for code in question_codes:
        value = answers.get(code)
        values.append(";".join(map(str, value)) if isinstance(value, list) else value)
    return [safe_cell(v) for v in values]


async def csv_stream(
    batches: AsyncIterator[Sequence[Sequence[Any]]], question_codes: Sequence[str]
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header(question_codes))
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    async for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(cells(row, question_codes) for row in batch)
        yield buffer.getvalue().encode("utf-8")


async def xlsx_stream(
    batches: AsyncIterator[Sequence[Sequence[Any]]], question_codes: Sequence[str]
) -> AsyncIterator[bytes]:
    """Rows go to openpyxl's write-only sheet (spooled to disk by openpyxl), the workbook is saved to
    a temporary file and sent in chunks: memory stays flat whatever the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(header(question_codes))
    async for batch in batches:
        for row in batch:
            sheet.append(cells(row, question_codes))
    with tempfile.TemporaryFile() as file:
        await asyncio.to_thread(workbook.save, file)
        file.seek(0)
        while chunk := await asyncio.to_thread(file.read, FILE_CHUNK):
            yield chunk
