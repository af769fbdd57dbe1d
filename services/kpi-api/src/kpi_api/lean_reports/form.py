"""The New-model report form (tables 1–3 of the federal primary-care centre), read once from the
packaged ``lean_report_tables.json`` (a copy of ``data/reference/lean_report_tables.json``).

Each data column (graph 2 onwards; graph 1 is the row label) gets how its cells add up across regions:

* counts (``count``, ``units of equipment``): the sum;
* shares (``percent``): entered with their counts, totals are Σ numerator ÷ Σ denominator × 100;
* per-patient figures (``visits``, ``days``, ``minutes``: visits to complete a screening, waiting
  minutes) cannot be summed: the mean over the regions, weighted by the participating organisations of
  the same row type (table 1, graph 2) when every region reporting the cell gave that count, else the
  plain mean of the regions (:mod:`kpi_api.lean_reports.summary`).

"x" cells (table 3, mixed polyclinics, graphs 8–11) are not applicable: never entered, never 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any


class RowType(StrEnum):
    ADULT = "adult_polyclinic"
    CHILDREN = "children_polyclinic"
    MIXED = "mixed_polyclinic"


class Aggregation(StrEnum):
    SUM = "sum"
    RATIO = "ratio_of_sums"
    MEAN = "mean"


AGGREGATION_OF_UNIT = {
    "count": Aggregation.SUM,
    "units of equipment": Aggregation.SUM,
    "percent": Aggregation.RATIO,
    "visits": Aggregation.MEAN,
    "days": Aggregation.MEAN,
    "minutes": Aggregation.MEAN,
}
WEIGHT_CELL = (1, 2)
"""Table 1, graph 2: the organisations/subdivisions taking part, per row type (the weights of means)."""


@dataclass(frozen=True, slots=True)
class Column:
    col: int
    name_ru: str
    group_ru: str | None
    unit: str
    phase: str | None
    aggregation: Aggregation
    not_applicable: frozenset[RowType]

    @property
    def is_percent(self) -> bool:
        return self.aggregation is Aggregation.RATIO

    @property
    def integral(self) -> bool:
        return self.aggregation is Aggregation.SUM


@dataclass(frozen=True, slots=True)
class Table:
    table: int
    title_ru: str
    label_ru: str
    columns: tuple[Column, ...]
    before_after_pairs: tuple[tuple[int, int], ...]
    footer_ru: str | None

    def column(self, col: int) -> Column | None:
        return next((c for c in self.columns if c.col == col), None)


@dataclass(frozen=True, slots=True)
class Form:
    title_ru: str
    row_types: tuple[tuple[RowType, str], ...]
    tables: tuple[Table, ...]

    def table(self, number: int) -> Table | None:
        return next((t for t in self.tables if t.table == number), None)

    def row_name(self, row_type: RowType) -> str:
        return dict(self.row_types)[row_type]


def raw_form() -> dict[str, Any]:
    text = resources.files("kpi_api.lean_reports").joinpath("lean_report_tables.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def form() -> Form:
    data = raw_form()
    kind_of_name = {r["name_ru"]: RowType(r["kind"]) for r in data["row_types"]}
    tables: list[Table] = []
    for table in data["tables"]:
        x_cells: dict[int, set[RowType]] = {}
        for cell in table.get("x_cells", []):
            for col in cell["cols"]:
                x_cells.setdefault(int(col), set()).add(kind_of_name[cell["row"]])
        columns: list[Column] = []
        label = ""
        for column in table["columns"]:
            if column["unit"] == "row label":
                label = column["name_ru"]
                continue
            col = int(column["col"])
            not_applicable = {kind_of_name[n] for n in column.get("not_applicable_rows", [])} | x_cells.get(col, set())
            columns.append(
                Column(
                    col=col,
                    name_ru=column["name_ru"],
                    group_ru=column.get("group_ru"),
                    unit=column["unit"],
                    phase=column.get("phase"),
                    aggregation=AGGREGATION_OF_UNIT[column["unit"]],
                    not_applicable=frozenset(not_applicable),
                )
            )
        tables.append(
            Table(
                table=int(table["table"]),
                title_ru=table["title_ru"],
                label_ru=label,
                columns=tuple(columns),
                before_after_pairs=tuple((int(a), int(b)) for a, b in table.get("before_after_pairs", [])),
                footer_ru=table.get("footer_ru"),
            )
        )
    row_types = tuple((RowType(r["kind"]), r["name_ru"]) for r in data["row_types"])
    return Form(title_ru=data["report_title_ru"], row_types=row_types, tables=tuple(tables))
