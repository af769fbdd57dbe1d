"""The quarterly report as files: CSV, the flat table (one row per region × indicator with the region's
section figures repeated), and XLSX with the sections as separate sheets. By default the Russian
Excel form (``;``, decimal commas, Russian headers, да/нет), ``dialect=plain`` the English one. Text
that a spreadsheet would run as a formula is escaped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from kpi_api.export_words import HEADERS_RU, WORDS_RU
from kpi_api.reports.schemas import (
    CompletenessSection,
    QuarterlyReport,
    RegionReport,
    ReportIndicator,
    RoadmapsSection,
    SurveySection,
)
from kpi_api.xlsx import BarChartSpec, Sheet, workbook
from zdrav_shared.spreadsheets import Dialect, csv_bytes

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


def to_csv(report: QuarterlyReport, dialect: Dialect = Dialect.EXCEL) -> bytes:
    """The flat region × indicator table (the sections repeated on each row of a region)."""
    return csv_bytes(COLUMNS, rows(report), dialect, HEADERS_RU, WORDS_RU)


SHEET_TITLES = {
    Dialect.EXCEL: ("Показатели", "Опрос", "Дорожные карты", "Полнота отчётности"),
    Dialect.PLAIN: ("indicators", "survey", "roadmaps", "completeness"),
}


def _charts(dialect: Dialect) -> tuple[list[BarChartSpec], list[BarChartSpec], list[BarChartSpec]]:
    """Native Excel charts of the survey, roadmaps and completeness sheets, one bar group per region."""
    ru = dialect is Dialect.EXCEL
    satisfaction = "Удовлетворённость, %" if ru else "Satisfaction, %"
    survey = [
        BarChartSpec(satisfaction, "region_name_ru", ["satisfaction_share"], "%"),
        BarChartSpec("NPS", "region_name_ru", ["nps"], "NPS"),
    ]
    roadmaps = [
        BarChartSpec(
            "Исполнение дорожных карт, %" if ru else "Roadmap execution, %", "region_name_ru", ["execution_pct"], "%"
        )
    ]
    completeness = [
        BarChartSpec(
            "Отчёты: в срок, с опозданием, черновики" if ru else "Reports: on time, late, drafts",
            "region_name_ru",
            ["on_time", "late", "drafts"],
            stacked=True,
        )
    ]
    return survey, roadmaps, completeness


def _fields(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _plain(value: object) -> object:
    """Lists (campaigns, an interval) in one cell."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def to_xlsx(report: QuarterlyReport, dialect: Dialect = Dialect.EXCEL) -> bytes:
    """Four sheets — indicators, survey, roadmaps, completeness — one row per region (per region and
    indicator on the first); every field of each section, so a field added to the report appears here.
    The survey, roadmaps and completeness sheets carry native Excel bar charts of their regions
    (satisfaction and NPS; execution; reports on time, late and in draft), drawn by Excel from the cells."""
    head = ["period", "region_code", "region_name_ru"]
    indicator_fields = _fields(ReportIndicator)
    survey_fields, roadmap_fields = _fields(SurveySection), _fields(RoadmapsSection)
    completeness_fields = _fields(CompletenessSection)
    titles = SHEET_TITLES[dialect]
    survey_charts, roadmap_charts, completeness_charts = _charts(dialect)
    sheets = [
        Sheet(titles[0], [*head, *indicator_fields]),
        Sheet(titles[1], [*head, *survey_fields, "sections_unavailable"], charts=survey_charts),
        Sheet(titles[2], [*head, *roadmap_fields, "sections_unavailable"], charts=roadmap_charts),
        Sheet(titles[3], [*head, *completeness_fields], charts=completeness_charts),
    ]
    unavailable = ", ".join(s.value for s in report.sections_unavailable) or None
    for region in report.regions:
        first = [report.period, region.region_code, region.name_ru]
        for indicator in region.indicators:
            data = indicator.model_dump()
            sheets[0].rows.append([*first, *(_plain(data[f]) for f in indicator_fields)])
        survey = region.survey.model_dump() if region.survey else {}
        sheets[1].rows.append([*first, *(_plain(survey.get(f)) for f in survey_fields), unavailable])
        roadmaps = region.roadmaps.model_dump() if region.roadmaps else {}
        sheets[2].rows.append([*first, *(_plain(roadmaps.get(f)) for f in roadmap_fields), unavailable])
        done = region.completeness.model_dump()
        sheets[3].rows.append([*first, *(_plain(done.get(f)) for f in completeness_fields)])
    return workbook(sheets, dialect, HEADERS_RU, WORDS_RU)
