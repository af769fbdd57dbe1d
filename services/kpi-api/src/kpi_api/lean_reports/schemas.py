from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.lean_reports.form import Aggregation, RowType
from kpi_api.numbers import InputNumber, JsonNumber
from zdrav_shared.validation import RequestModel


class RatioCell(RequestModel):
    """A share entered with its counts: ``numerator`` of ``denominator`` (the share is their ratio × 100)."""

    model_config = ConfigDict(extra="forbid")

    numerator: InputNumber
    denominator: InputNumber


class LeanRowBody(RequestModel):
    model_config = ConfigDict(extra="forbid")

    table: int = Field(ge=1, le=3)
    row_type: RowType
    cells: dict[str, InputNumber | RatioCell] = Field(
        max_length=40,
        description='Graph number → a number, or {numerator, denominator} for a percent graph; "x" graphs are left out',
    )


class LeanReportPut(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rows": [
                        {
                            "table": 1,
                            "row_type": "adult_polyclinic",
                            "cells": {"2": 12, "3": 10, "9": {"numerator": 340, "denominator": 410}},
                        },
                        {"table": 3, "row_type": "adult_polyclinic", "cells": {"12": 19, "13": 6}},
                    ]
                }
            ]
        },
    )

    rows: list[LeanRowBody] = Field(max_length=9, description="At most one row per table and row type")
    reason: str | None = Field(default=None, max_length=2000, description="Why it changed (kept in the audit)")


class CellRead(BaseModel):
    value: JsonNumber | None = None
    numerator: JsonNumber | None = None
    denominator: JsonNumber | None = None


class LeanRowRead(BaseModel):
    table: int
    row_type: RowType
    cells: dict[str, CellRead]


class LeanReportRead(BaseModel):
    region_code: str
    as_of: date
    rows: list[LeanRowRead]
    version: int
    updated_by: str
    updated_at: datetime


class SummaryCell(BaseModel):
    """A total: ``value`` (a sum, a ratio of sums × 100, or a mean — see ``aggregation``), the summed
    counts of a share, and ``n`` the reports that gave the cell. ``not_applicable`` for an "x" cell."""

    value: JsonNumber | None = None
    numerator: JsonNumber | None = None
    denominator: JsonNumber | None = None
    n: int = 0
    aggregation: Aggregation
    weighted: bool | None = Field(default=None, description="Means: weighted by table 1 graph 2")
    not_applicable: bool = False


class SummaryRow(BaseModel):
    row_type: RowType
    name_ru: str
    cells: dict[str, SummaryCell]


class SummaryTable(BaseModel):
    table: int
    title_ru: str
    rows: list[SummaryRow]


class LeanSummary(BaseModel):
    as_of: date
    region: str | None = Field(description="The region asked for; null for the federation (what the caller sees)")
    reports: list[str] = Field(description="The org units whose reports are in the totals")
    tables: list[SummaryTable]


class FormColumn(BaseModel):
    col: int
    name_ru: str
    group_ru: str | None = None
    unit: str
    phase: str | None = Field(default=None, description="before / after (Было / Стало)")
    aggregation: Aggregation
    entry: str = Field(description="number, or counts ({numerator, denominator}) for a percent graph")
    not_applicable_rows: list[RowType] = Field(description='Row types for which the graph is "x"')


class FormTable(BaseModel):
    table: int
    title_ru: str
    label_ru: str
    columns: list[FormColumn]
    # [before, after] column numbers; a list of two (not a tuple) so that the schema has plain `items`
    before_after_pairs: list[Annotated[list[int], Field(min_length=2, max_length=2)]]
    footer_ru: str | None = None


class FormRowType(BaseModel):
    row_type: RowType
    name_ru: str


class LeanForm(BaseModel):
    title_ru: str
    row_types: list[FormRowType]
    tables: list[FormTable]
