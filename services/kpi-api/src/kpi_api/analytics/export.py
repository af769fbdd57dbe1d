"""Analytics as CSV (UTF-8 with BOM, for Excel) and XLSX; cells that a spreadsheet would run as a
formula (starting with = + - @) are escaped."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook

from kpi_api.analytics.schemas import AnalyticsRow

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
)
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Prefix a quote to text a spreadsheet would evaluate (CSV/formula injection)."""
    return "'" + text if text.startswith(DANGEROUS) else text


def _cells(row: AnalyticsRow) -> list[object]:
    data = row.model_dump()
    cells: list[object] = []
    for column in COLUMNS:
        value = data.get(column)
        if value is None:
            cells.append(None)
        elif isinstance(value, Decimal | bool | int):
            cells.append(value)
        else:
            cells.append(safe_text(str(value)))
    return cells


def to_csv(rows: Sequence[AnalyticsRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if c is None else (format(c, "f") if isinstance(c, Decimal) else c) for c in _cells(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[AnalyticsRow]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("analytics")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(_cells(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
