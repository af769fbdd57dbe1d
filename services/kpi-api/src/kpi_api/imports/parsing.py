"""Reading uploaded tables: CSV (UTF-8 with or without BOM, ';' or ',', decimal comma or point) or XLSX.

Every cell comes back as text (numbers from XLSX as exact decimal text), so the importers check one
shape whatever the format.
"""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook

from zdrav_shared.problems import Unprocessable

MAX_ROWS = 20_000
XLSX_MAGIC = b"PK\x03\x04"


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
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Unprocessable("the file is not a readable XLSX workbook", pointer="/file") from exc
    try:
        sheet = book.worksheets[0]
        rows: list[list[str]] = []
        for raw in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_ROWS:
                raise Unprocessable(f"the file has more than {MAX_ROWS} rows; split it", pointer="/file")
            rows.append([_cell_text(v) for v in raw])
        return rows
    finally:
        book.close()


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
    grid = _read_xlsx(content) if content.startswith(XLSX_MAGIC) else _read_csv(content)
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
