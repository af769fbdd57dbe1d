from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.indicators.rules import Periodicity
from kpi_api.numbers import JsonNumber


class DeadlineRuleBody(BaseModel):
    """The ``day_of_month``-th (calendar or working) day of the month ``months_after`` the period ends."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"day_of_month": 10, "months_after": 1}]})

    day_of_month: int = Field(ge=1, le=31)
    months_after: int = Field(default=1, ge=0, le=12)
    working_days: bool = False
    roll_forward: bool = Field(default=False, description="Move a deadline on a day off to the next working day")


class DeadlineRuleRead(DeadlineRuleBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "periodicity": "quarter",
                    "day_of_month": 10,
                    "months_after": 1,
                    "working_days": False,
                    "roll_forward": True,
                    "description": "the 10th day of the month after the quarter, moved to the next working day",
                    "is_default": False,
                }
            ]
        }
    )

    periodicity: Periodicity
    description: str
    is_default: bool


class MissingReport(BaseModel):
    org_unit_code: str
    indicator_code: str
    status: str = Field(description="missing, or draft when entered but not submitted")


class Completeness(BaseModel):
    """Expected reports (organisation × input indicator of the period's periodicity) and what arrived."""

    region_code: str
    period: str
    timezone: str
    deadline: date
    deadline_at: datetime = Field(description="First late instant (UTC): the end of the deadline day, local time")
    organisations: int
    indicators: int
    expected: int
    received: int
    on_time: int
    late: int
    drafts: int
    completeness_pct: JsonNumber | None = None
    timeliness_pct: JsonNumber | None = None
    missing: list[MissingReport]
    missing_truncated: bool = False
