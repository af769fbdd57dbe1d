from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kpi_api.numbers import JsonNumber
from zdrav_shared.validation import RequestModel


class SubmissionStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"


class SubmissionCreate(RequestModel):
    """A report submitted (``submitted_at``, default now for period reports), or — for an event report
    without ``submitted_at`` — an obligation opened by the event. Posting the same report type, org
    unit and period (or event date) again completes or repeats it: an idempotent upsert."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"report_type": "regional_centre_change", "org_unit_code": "RU-MUR", "event_date": "2027-11-03"},
                {
                    "report_type": "federal_monthly",
                    "org_unit_code": "RU-MUR",
                    "period": "2027-10",
                    "submitted_at": "2027-11-03T10:15:00+03:00",
                },
            ]
        },
    )

    report_type: str = Field(min_length=1, max_length=64)
    org_unit_code: str = Field(min_length=1, max_length=64)
    period: str | None = Field(default=None, max_length=10, examples=["2027-10", "2027Q3"])
    event_date: date | None = None
    submitted_at: AwareDatetime | None = Field(
        default=None, description="With its offset; default now (period reports)"
    )


class SubmissionRead(BaseModel):
    """One obligation: due, and whether and when it was met. ``due_at`` is the last second of the due
    day in the org unit's time zone (its own, or its region's); made before the following local
    midnight is on time. ``status`` ∈ on_time, late, missing (not submitted; ``overdue`` once the due
    day has passed)."""

    id: int | None = Field(default=None, description="null for an expected report nobody recorded yet")
    report_type: str
    org_unit_code: str
    region_code: str | None = None
    period: str | None = None
    event_date: date | None = None
    due_date: date
    due_at: datetime
    timezone: str
    submitted_at: datetime | None = None
    on_time: bool | None = None
    status: SubmissionStatus
    overdue: bool
    submitted_by: str | None = None
    version: int | None = None


class Timeliness(BaseModel):
    """Expected reports and what arrived: ``completeness_pct`` = submitted ÷ expected × 100,
    ``timeliness_pct`` = on time ÷ expected × 100."""

    region_code: str | None = None
    expected: int
    submitted: int
    on_time: int
    late: int
    missing: int
    overdue: int
    completeness_pct: JsonNumber | None = None
    timeliness_pct: JsonNumber | None = None


class SubmissionList(BaseModel):
    report_type: str
    period: str
    event_based: bool
    rows: list[SubmissionRead]
    regions: list[Timeliness] = Field(description="Timeliness per region")
    total: Timeliness
