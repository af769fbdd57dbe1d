"""Checks of an entered New-model report against the form (pure): every problem is reported with a
pointer, and nothing is stored unless all rows pass."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpi_api.lean_reports.form import Form, RowType
from kpi_api.lean_reports.schemas import LeanRowBody, RatioCell
from zdrav_shared.problems import FieldError

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Cell:
    table: int
    row_type: RowType
    col: int
    value: Decimal
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def _integral(value: Decimal) -> bool:
    return value == value.to_integral_value()


def check_rows(rows: list[LeanRowBody], form: Form) -> tuple[list[Cell], list[FieldError]]:
    cells: list[Cell] = []
    errors: list[FieldError] = []
    seen: dict[tuple[int, RowType], int] = {}
    for index, row in enumerate(rows):
        at = f"/rows/{index}"
        table = form.table(row.table)
        if table is None:
            errors.append(FieldError(pointer=f"{at}/table", message="the report has tables 1, 2 and 3"))
            continue
        key = (row.table, row.row_type)
        if key in seen:
            errors.append(
                FieldError(pointer=at, message=f"table {row.table}, {row.row_type.value} is already row {seen[key]}")
            )
            continue
        seen[key] = index
        row_name = form.row_name(row.row_type)
        for text, given in row.cells.items():
            pointer = f"{at}/cells/{text}"
            col_no = int(text) if text.isdigit() and len(text) <= 3 else None
            column = table.column(col_no) if col_no is not None else None
            if column is None:
                numbers = ", ".join(str(c.col) for c in table.columns)
                errors.append(FieldError(pointer=pointer, message=f"table {row.table} has graphs {numbers}"))
                continue
            if row.row_type in column.not_applicable:
                errors.append(
                    FieldError(
                        pointer=pointer,
                        message=f"graph {column.col} of table {row.table} is «х» (not applicable) for "
                        f"«{row_name}»: leave it out",
                    )
                )
                continue
            if column.is_percent:
                if not isinstance(given, RatioCell):
                    errors.append(
                        FieldError(
                            pointer=pointer,
                            message=f"graph {column.col} is a percentage: send its counts "
                            "{numerator, denominator}, not the share",
                        )
                    )
                    continue
                problem = _ratio_problem(given)
                if problem:
                    errors.append(FieldError(pointer=pointer, message=problem))
                    continue
                value = given.numerator * HUNDRED / given.denominator
                cells.append(Cell(row.table, row.row_type, column.col, value, given.numerator, given.denominator))
                continue
            if isinstance(given, RatioCell):
                errors.append(FieldError(pointer=pointer, message=f"graph {column.col} ({column.unit}) takes a number"))
                continue
            if given < 0:
                errors.append(FieldError(pointer=pointer, message="a count or a time cannot be negative"))
                continue
            if column.integral and not _integral(given):
                errors.append(FieldError(pointer=pointer, message=f"graph {column.col} is a count: a whole number"))
                continue
            cells.append(Cell(row.table, row.row_type, column.col, given))
    return cells, errors


def _ratio_problem(cell: RatioCell) -> str | None:
    if cell.numerator < 0 or cell.denominator <= 0:
        return "numerator must be 0 or more and denominator more than 0"
    if not (_integral(cell.numerator) and _integral(cell.denominator)):
        return "numerator and denominator are counts: whole numbers"
    if cell.numerator > cell.denominator:
        return "the numerator is part of the denominator: it cannot be larger"
    return None
