"""The quarterly report as a flat table, one row per region × indicator with the region's section
figures repeated: CSV (UTF-8 with BOM, for Excel) and XLSX (openpyxl, write-only). Text that a
spreadsheet would run as a formula is escaped (analytics' ``safe_text``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook

from kpi_api.analytics.export import safe_text
from kpi_api.reports.schemas import QuarterlyReport, RegionReport, ReportIndicator

COLUMNS = (
    "period",
    "region_code",
    "region_name_ru",
    "indicator_code",
    "indicator_name_ru",
    "unit",
    "source",
    "value",
    "reason",
    "target",
    "status",
    "numerator",
    "denominator",
    "approved_units",
    "expected_units",
    "n",
    "sample_ok",
    "data_as_of",
    "survey_n",
    "survey_satisfaction_share",
    "survey_nps",
    "survey_sample_ok",
    "roadmaps_count",
    "roadmaps_execution_pct",
    "roadmaps_overdue_tasks",
    "completeness_expected",
    "completeness_received",
    "completeness_approved",
    "completeness_on_time",
    "completeness_late",
    "sections_unavailable",
)

Cell = str | int | float | bool | Decimal | datetime | date | None


def _sections(report: QuarterlyReport, region: RegionReport) -> list[Cell]:
    survey, roadmaps, done = region.survey, region.roadmaps, region.completeness
    return [
        survey.n if survey else None,
        survey.satisfaction_share if survey else None,
        survey.nps if survey else None,
        survey.sample_ok if survey else None,
        roadmaps.count if roadmaps else None,
        roadmaps.execution_pct if roadmaps else None,
        roadmaps.overdue_tasks if roadmaps else None,
        done.expected,
        done.received,
        done.approved,
        done.on_time,
        done.late,
        ",".join(s.value for s in report.sections_unavailable) or None,
    ]


def _indicator(i: ReportIndicator | None) -> list[Cell]:
    if i is None:
        return [None] * 15
    return [
        i.indicator_code,
        i.name_ru,
        i.unit,
        i.source.value,
        i.value,
        i.reason,
        i.target,
        i.status.value if i.status else None,
        i.numerator,
        i.denominator,
        i.approved_units,
        i.expected_units,
        i.n,
        i.sample_ok,
        i.data_as_of,
    ]


def rows(report: QuarterlyReport) -> Iterator[list[Cell]]:
    """The flat rows (a region without indicators still gets one row for its sections)."""
    for region in report.regions:
        head: list[Cell] = [report.period, region.region_code, region.name_ru]
        tail = _sections(report, region)
        indicators: list[ReportIndicator | None] = [*region.indicators] or [None]
        for indicator in indicators:
            yield [*head, *_indicator(indicator), *tail]


def _safe(cell: Cell) -> Cell:
    if isinstance(cell, str):
        return safe_text(cell)
    if isinstance(cell, datetime):
        return cell.isoformat()
    return cell


def to_csv(report: QuarterlyReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(report):
        cells = [_safe(c) for c in row]
        writer.writerow(["" if c is None else (format(c, "f") if isinstance(c, Decimal) else c) for c in cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: QuarterlyReport) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"report {report.period}")
    sheet.append(list(COLUMNS))
    for row in rows(report):
        sheet.append([_safe(c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
