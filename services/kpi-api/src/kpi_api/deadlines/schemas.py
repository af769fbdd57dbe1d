from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.indicators.rules import Periodicity
from kpi_api.numbers import JsonNumber
from zdrav_shared.validation import RequestModel


class DeadlineRuleFields(RequestModel):
    """The ``day_of_month``-th (calendar or working) day of the month ``months_after`` the period ends."""

    model_config = ConfigDict(extra="forbid")

    day_of_month: int = Field(ge=1, le=31)
    months_after: int = Field(default=1, ge=0, le=12)
    working_days: bool = False
    roll_forward: bool = Field(default=False, description="Move a deadline on a day off to the next working day")


class DeadlineRuleBody(DeadlineRuleFields):
    """A deadline rule to set for its owner: ``RU`` for the national rule, or a region for that region's
    own (its org units' reports are then judged by it). Default owner: the caller's own."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"day_of_month": 10, "months_after": 1, "reason": "приказ"}]}
    )

    owner: str | None = Field(default=None, max_length=64, description="RU or a region's code; default: yours")
    reason: str | None = Field(default=None, max_length=1000, description="Why: kept in the rule's history")


class DeadlineRuleRead(DeadlineRuleFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "owner": "RU",
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
    owner: str | None = Field(description="Who set the rule in force: RU, the region, or null for the built-in default")


class MissingReport(BaseModel):
    org_unit_code: str
    indicator_code: str
    status: str = Field(description="missing, or draft when entered but not submitted")


class Completeness(BaseModel):
    """Expected reports (each manual input indicator of the period's periodicity × the region's active
    org units of its reporting level — organisations when it has none) and what arrived."""

    region_code: str
    period: str
    timezone: str
    deadline: date
    deadline_at: datetime = Field(description="First late instant (UTC): the end of the deadline day, local time")
    organisations: int
    indicators: int
    expected: int
    received: int
    approved: int = Field(default=0, description="Of the received, how many are approved")
    on_time: int
    late: int
    drafts: int
    completeness_pct: JsonNumber | None = None
    timeliness_pct: JsonNumber | None = None
    missing: list[MissingReport]
    missing_truncated: bool = False
