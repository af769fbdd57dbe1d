"""The federal quarterly report (CONTRACT.md: ``GET /v1/reports/quarterly``)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.indicators.rules import Source
from kpi_api.numbers import JsonNumber
from kpi_api.targets.rules import Status


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class Section(StrEnum):
    """Report sections that come from another service and can be unavailable."""

    SURVEY = "survey"
    ROADMAPS = "roadmaps"


class ReportIndicator(BaseModel):
    """One indicator of a region, as ``GET /v1/analytics`` computes it for the region's subtree from
    **approved** values only (``data=approved``). ``approved_units`` of ``expected_units`` says how many
    org units' approved values the figure rests on (a formula: its input with the fewest, against the
    most expected of any input). Pulled survey and roadmap indicators come from the same peer answers as
    the report's ``survey`` and ``roadmaps`` sections (they carry no unit counts)."""

    indicator_code: str
    name_ru: str
    unit: str
    source: Source
    value: JsonNumber | None = None
    reason: str | None = Field(default=None, description="Why value is null")
    target: JsonNumber | None = None
    status: Status | None = None
    numerator: JsonNumber | None = None
    denominator: JsonNumber | None = None
    approved_units: int | None = Field(
        default=None, description="Org units whose approved values the figure rests on (null: pulled indicators)"
    )
    expected_units: int | None = Field(
        default=None,
        description="Active org units of the region expected to report it (its reporting level; organisations "
        "when it has none); 0 for another region's own indicator; null for pulled indicators",
    )
    n: int | None = Field(default=None, description="Pulled indicators: survey sample or roadmap tasks due")
    sample_ok: bool | None = None
    dont_know: int | None = Field(
        default=None, description="Pulled satisfaction: answers dont_know, outside the share's denominator"
    )
    data_as_of: datetime | None = Field(default=None, description="Pulled indicators: when the peer was read")


class SurveySection(BaseModel):
    """Satisfaction and NPS of the region's whole subtree over the responses to the national
    questionnaire ``nsi-standard`` in the period (from survey-api, summed from counts).
    ``satisfaction_share`` = ``satisfied`` ÷ ``satisfaction_answered``; ``dont_know`` answers are
    reported beside it, not in its denominator."""

    n: int
    satisfaction_share: float | None
    nps: float | None
    nps_ci95: list[float] | None
    sample_ok: bool
    satisfied: int
    satisfaction_answered: int
    dont_know: int = 0
    promoters: int
    passives: int
    detractors: int
    campaigns: list[str]


class RoadmapsSection(BaseModel):
    """Plan execution over every roadmap of the region as of the quarter's end (or today while it
    runs), from roadmap-api: a ratio of the summed task counts."""

    as_of: date
    count: int = Field(description="Roadmaps of the region")
    execution_pct: JsonNumber | None
    overdue_tasks: int
    due: int
    completed_on_time: int
    completed_late: int
    threshold_pct: JsonNumber
    meets_threshold: bool | None


class CompletenessSection(BaseModel):
    """Reports expected from the region's org units (manual input indicators of the period's
    periodicity, each from the units of its reporting level) and what arrived, as
    ``GET /v1/completeness`` counts them; ``approved`` of them are in the indicator figures."""

    deadline: date
    organisations: int
    indicators: int
    expected: int
    received: int
    approved: int = Field(default=0, description="Received and approved: what the indicator figures rest on")
    on_time: int
    late: int
    drafts: int
    completeness_pct: JsonNumber | None
    timeliness_pct: JsonNumber | None


class RegionReport(BaseModel):
    region_code: str
    name_ru: str
    indicators: list[ReportIndicator]
    survey: SurveySection | None = Field(description="null when survey-api did not answer in time")
    roadmaps: RoadmapsSection | None = Field(description="null when roadmap-api did not answer in time")
    completeness: CompletenessSection


class QuarterlyReport(BaseModel):
    """Every region (or one) for a quarter. ``sections_unavailable`` names the sections whose service
    did not answer within the time budget; those sections are null in every region."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "2025Q2",
                    "generated_at": "2025-07-10T06:00:00Z",
                    "regions": [
                        {
                            "region_code": "RU-KYA",
                            "name_ru": "Красноярский край",
                            "indicators": [
                                {
                                    "indicator_code": "NSI_4",
                                    "name_ru": "Доля граждан, удовлетворённых получением амбулаторной помощи",
                                    "unit": "%",
                                    "source": "survey",
                                    "value": 78.4,
                                    "target": 90,
                                    "status": "at_risk",
                                    "numerator": 1204,
                                    "denominator": 1536,
                                    "n": 1540,
                                    "sample_ok": True,
                                    "dont_know": 4,
                                    "data_as_of": "2025-07-10T05:55:00Z",
                                }
                            ],
                            # An unavailable section would be null (and named in sections_unavailable);
                            # the document cannot show a null example (FastAPI drops nulls from it).
                            "survey": {
                                "n": 1540,
                                "satisfaction_share": 78.4,
                                "nps": 32.1,
                                "nps_ci95": [28.2, 36.0],
                                "sample_ok": True,
                                "satisfied": 1204,
                                "satisfaction_answered": 1536,
                                "promoters": 752,
                                "passives": 472,
                                "detractors": 272,
                                "campaigns": ["kya-2025q2"],
                            },
                            "roadmaps": {
                                "as_of": "2025-06-30",
                                "count": 2,
                                "execution_pct": 87.5,
                                "overdue_tasks": 2,
                                "due": 16,
                                "completed_on_time": 12,
                                "completed_late": 2,
                                "threshold_pct": 90,
                                "meets_threshold": False,
                            },
                            "completeness": {
                                "deadline": "2025-07-10",
                                "organisations": 120,
                                "indicators": 6,
                                "expected": 720,
                                "received": 701,
                                "approved": 650,
                                "on_time": 690,
                                "late": 11,
                                "drafts": 4,
                                "completeness_pct": 97.4,
                                "timeliness_pct": 95.8,
                            },
                        }
                    ],
                    "sections_unavailable": [],
                }
            ]
        }
    )

    period: str
    generated_at: datetime
    data_as_of: datetime | None = Field(
        default=None,
        description="kpi-api's figures include every change committed up to this moment (earlier than "
        "generated_at when the report was read from a lagging replica)",
    )
    regions: list[RegionReport]
    sections_unavailable: list[Section]
