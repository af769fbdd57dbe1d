"""Analytics as CSV and XLSX: by default the Russian Excel form (``;``, decimal commas, Russian
headers, да/нет — :mod:`zdrav_shared.spreadsheets`), or the plain English form with
``dialect=plain``; XLSX with real dates, widths and a frozen header (:mod:`kpi_api.xlsx`). Cells a
spreadsheet would run as a formula (starting with = + - @) are escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kpi_api.analytics.schemas import AnalyticsRow
from kpi_api.export_words import HEADERS_RU, WORDS_RU
from kpi_api.xlsx import Sheet, workbook
from zdrav_shared.spreadsheets import Dialect, csv_bytes, safe_text

__all__ = ["COLUMNS", "safe_text", "to_csv", "to_xlsx"]

COLUMNS = (
    "indicator_code",
    "org_unit_code",
    "period",
    "ytd",
    "value",
    "unit",
    "numerator",
    "denominator",
    "target",
    "target_low",
    "target_high",
    "target_period",
    "baseline",
    "status",
    "status_reason",
    "reason",
    "previous_period",
    "previous_value",
    "reported_units",
    "deviation",
    "deviation_pct",
    "warning",
    "cause_note_required",
    "cause_note",
)


def _cells(row: AnalyticsRow) -> list[Any]:
    data = row.model_dump()
    return [data.get(column) for column in COLUMNS]


def to_csv(rows: Sequence[AnalyticsRow], dialect: Dialect = Dialect.EXCEL) -> bytes:
    return csv_bytes(COLUMNS, (_cells(r) for r in rows), dialect, HEADERS_RU, WORDS_RU)


def to_xlsx(rows: Sequence[AnalyticsRow], dialect: Dialect = Dialect.EXCEL) -> bytes:
    title = "Аналитика" if dialect is Dialect.EXCEL else "analytics"
    return workbook([Sheet(title, COLUMNS, [_cells(r) for r in rows])], dialect, HEADERS_RU, WORDS_RU)
