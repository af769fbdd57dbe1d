"""CSV for a Russian Excel and the plain form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from zdrav_shared.spreadsheets import Dialect, csv_bytes, excel_cell, ru_number


def test_numbers_take_a_decimal_comma() -> None:
    assert ru_number(Decimal("85.5")) == "85,5"
    assert ru_number(Decimal("-0.25")) == "-0,25"
    assert ru_number(Decimal("1E+3")) == "1000"
    assert ru_number(12) == "12"
    assert ru_number(0.1) == "0,1"


def test_cells() -> None:
    assert excel_cell(True) == "да" and excel_cell(False) == "нет" and excel_cell(None) == ""
    assert excel_cell(date(2027, 11, 10)) == "10.11.2027"
    moscow = timezone(timedelta(hours=3))
    assert excel_cell(datetime(2027, 11, 10, 23, 30, tzinfo=moscow)) == "10.11.2027 20:30:00"
    assert excel_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert excel_cell(Decimal(-5)) == "-5"  # a negative number is a number, not a formula
    assert excel_cell("achieved", {"achieved": "достигнуто"}) == "достигнуто"


def test_the_two_dialects() -> None:
    rows = [["A", Decimal("66.0"), True, datetime(2025, 7, 1, tzinfo=UTC)]]
    excel = csv_bytes(["code", "value", "ok", "at"], rows, Dialect.EXCEL, {"code": "Код", "value": "Значение"})
    assert excel.decode("utf-8") == "\ufeffКод;Значение;ok;at\r\nA;66,0;да;01.07.2025 00:00:00\r\n"
    plain = csv_bytes(["code", "value", "ok", "at"], rows, Dialect.PLAIN)
    assert plain.decode("utf-8") == "\ufeffcode,value,ok,at\r\nA,66.0,True,2025-07-01T00:00:00+00:00\r\n"
