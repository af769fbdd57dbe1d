"""Totals of the New-model report from the summed cells (pure): the form's order, every cell present
(an "x" cell marked, an empty one with ``n`` 0)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kpi_api.lean_reports.form import Aggregation, Form
from kpi_api.lean_reports.repository import CellTotals
from kpi_api.lean_reports.schemas import SummaryCell, SummaryRow, SummaryTable
from kpi_api.numbers import plain, present

HUNDRED = Decimal(100)
SHOWN_PLACES = 2


def summary_tables(form: Form, totals: Sequence[CellTotals]) -> list[SummaryTable]:
    found = {(t.table, t.row_type, t.col): t for t in totals}
    tables: list[SummaryTable] = []
    for table in form.tables:
        rows: list[SummaryRow] = []
        for row_type, name in form.row_types:
            cells: dict[str, SummaryCell] = {}
            for column in table.columns:
                if row_type in column.not_applicable:
                    cells[str(column.col)] = SummaryCell(aggregation=column.aggregation, not_applicable=True)
                    continue
                cells[str(column.col)] = total_cell(
                    column.aggregation, found.get((table.table, row_type.value, column.col))
                )
            rows.append(SummaryRow(row_type=row_type, name_ru=name, cells=cells))
        tables.append(SummaryTable(table=table.table, title_ru=table.title_ru, rows=rows))
    return tables


def total_cell(aggregation: Aggregation, totals: CellTotals | None) -> SummaryCell:
    """A sum; a ratio of sums (Σ numerator ÷ Σ denominator × 100); or a mean weighted by the
    participating organisations when every report giving the cell gave that count, else a plain mean."""
    if totals is None or totals.n == 0:
        return SummaryCell(aggregation=aggregation)
    if aggregation is Aggregation.SUM:
        return SummaryCell(value=plain(totals.value_sum), n=totals.n, aggregation=aggregation)
    if aggregation is Aggregation.RATIO:
        numerator, denominator = totals.numerator_sum, totals.denominator_sum
        value = None
        if numerator is not None and denominator:
            value = plain(present(Decimal(numerator) * HUNDRED / Decimal(denominator), SHOWN_PLACES))
        return SummaryCell(
            value=value, numerator=plain(numerator), denominator=plain(denominator), n=totals.n, aggregation=aggregation
        )
    weighted = totals.weights == totals.n and bool(totals.weight_sum) and totals.weighted_sum is not None
    if weighted:
        assert totals.weighted_sum is not None and totals.weight_sum is not None
        mean = Decimal(totals.weighted_sum) / Decimal(totals.weight_sum)
    else:
        mean = Decimal(totals.value_sum or 0) / totals.n
    return SummaryCell(value=plain(present(mean, SHOWN_PLACES)), n=totals.n, aggregation=aggregation, weighted=weighted)
