from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.numbers import InputNumber, JsonNumber
from zdrav_shared.periods import PeriodField
from zdrav_shared.validation import RequestModel

MAX_TARGET_ITEMS = 5000


class TargetItem(RequestModel):
    """The target (and optionally the baseline) of one org unit for a year or a quarter. ``target`` may be
    null with a ``note`` when the source gives no number (a range such as "4-14")."""

    model_config = ConfigDict(extra="forbid")

    org_unit_code: str = Field(min_length=1, max_length=64)
    period: PeriodField
    baseline: InputNumber | None = None
    target: InputNumber | None
    note: str | None = Field(default=None, max_length=200)


class TargetsPut(RequestModel):
    """Targets to create or replace; all items apply, or none (a bad item is a 422 naming it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"org_unit_code": "RU-MUR", "period": "2025", "baseline": 77.6, "target": 77.7},
                        {"org_unit_code": "MUR-GP1", "period": "2025Q2", "target": 80},
                    ]
                }
            ]
        },
    )

    items: list[TargetItem] = Field(min_length=1, max_length=MAX_TARGET_ITEMS)
    reason: str | None = Field(default=None, max_length=1000, description="Kept in the audit trail")


class TargetRead(BaseModel):
    indicator_code: str
    org_unit_code: str
    period: str
    baseline: JsonNumber | None = None
    target: JsonNumber | None = None
    note: str | None = None
    version: int
    updated_at: datetime


class TargetsResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    items: list[TargetRead]
