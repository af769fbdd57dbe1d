"""Reading uploaded tables: CSV (UTF-8 with or without BOM, ';' or ',', decimal comma or point) or XLSX.

Every cell comes back as text (numbers from XLSX as exact decimal text), so the importers check one
shape whatever the format.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook

from zdrav_shared.problems import PayloadTooLarge, Unprocessable
from zdrav_shared.uploads import SheetLimits, check_declared_size, check_xlsx_package, is_zip

MAX_ROWS = 20_000
LIMITS = SheetLimits(max_rows=MAX_ROWS)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        # repr gives the shortest text that reads back as the same float: 0.1 stays "0.1".
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value).strip()


def _read_xlsx(content: bytes) -> list[list[str]]:
    """The first sheet's rows, streamed: the package is checked first (zdrav_shared.uploads), the sheet's
    declared size next, and reading stops at the row, column and cell limits — so neither a zip bomb,
    an entity declaration nor ``<dimension ref="A1:XFD8000"/>`` over two cells costs more than a row."""
    check_xlsx_package(content, LIMITS)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError, DefusedXmlException) as exc:
        raise Unprocessable("the file is not a readable XLSX workbook", pointer="/file") from exc
    try:
        if not book.worksheets:
            raise Unprocessable("the workbook has no sheet", pointer="/file")
        sheet = book.worksheets[0]
        check_declared_size(sheet.max_row, sheet.max_column, LIMITS)
        # Read without the declared size: rows then come as long as their last cell, not padded to it.
        sheet.reset_dimensions()
        return _sheet_rows(sheet.iter_rows(values_only=True))
    except (KeyError, ValueError, ParseError, DefusedXmlException) as exc:
        raise Unprocessable("the file is not a readable XLSX workbook", pointer="/file") from exc
    finally:
        book.close()


def _sheet_rows(raw_rows: Iterable[tuple[object, ...]]) -> list[list[str]]:
    rows: list[list[str]] = []
    cells = 0
    for raw in raw_rows:
        if len(rows) > MAX_ROWS:
            raise Unprocessable(f"the file has more than {MAX_ROWS} rows; split it", pointer="/file")
        values = [_cell_text(v) for v in raw[: LIMITS.max_columns]]
        if len(raw) > LIMITS.max_columns and any(v is not None for v in raw[LIMITS.max_columns :]):
            raise PayloadTooLarge(
                f"row {len(rows) + 1} has a value beyond column {LIMITS.max_columns}; at most "
                f"{LIMITS.max_columns} columns are read"
            )
        while values and not values[-1]:  # trailing empty (formatted) cells
            values.pop()
        cells += len(values)
        if cells > LIMITS.max_cells:
            raise PayloadTooLarge(f"the sheet has more than {LIMITS.max_cells} cells; split it")
        rows.append(values)
    # As wide as the widest row, as openpyxl pads them when a sheet's dimension is right.
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable(f"the file is not UTF-8 (byte {exc.start} is invalid)", pointer="/file") from exc
    if "\x00" in text:
        raise Unprocessable("the file is neither a text CSV nor an XLSX workbook", pointer="/file")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows: list[list[str]] = []
    try:
        for raw in csv.reader(io.StringIO(text), delimiter=delimiter):
            if len(rows) > MAX_ROWS:
                raise Unprocessable(f"the file has more than {MAX_ROWS} rows; split it", pointer="/file")
            rows.append([c.strip() for c in raw])
    except csv.Error as exc:
        raise Unprocessable(f"the CSV cannot be read: {exc}", pointer="/file") from exc
    return rows


def read_table(content: bytes, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows as dicts keyed by the header (lower-cased); blank rows are skipped but keep their numbers."""
    grid = _read_xlsx(content) if is_zip(content) else _read_csv(content)
    if not grid:
        raise Unprocessable("the file is empty", pointer="/file")
    header = [h.strip().lower() for h in grid[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise Unprocessable(f"the header lacks the column(s): {', '.join(missing)}", pointer="/file")
    rows: list[dict[str, str]] = []
    for raw in grid[1:]:
        rows.append({header[i]: raw[i] for i in range(min(len(header), len(raw))) if header[i]})
    return rows


def parse_decimal(text: str) -> Decimal | str:
    """``1 234,5`` / ``1234.5`` / ``1.234,5`` → Decimal; anything else is returned as it was (to be refused)."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
    if "," in cleaned and "." in cleaned:
        # The separator that comes last is the decimal one.
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return text
    return number if number.is_finite() else text
