from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.numbers import InputNumber, JsonNumber
from zdrav_shared.periods import PeriodField
from zdrav_shared.validation import RequestModel

MAX_TARGET_ITEMS = 5000


class TargetKind(StrEnum):
    """What the programme calls the figure: the plan for the period, the long-term level, a threshold."""

    PLAN = "plan"
    LONG_TERM = "long_term"
    THRESHOLD = "threshold"


class TargetItem(RequestModel):
    """The target (and optionally the baseline) of one org unit for a year or a quarter: one number
    (``target``) or a range (``target_low`` + ``target_high``, achieved inside it: Murmansk's "4-14").
    Neither, with a ``note``, when the source prints no number."""

    model_config = ConfigDict(extra="forbid")

    org_unit_code: str = Field(min_length=1, max_length=64)
    period: PeriodField
    baseline: InputNumber | None = None
    baseline_year: int | None = Field(default=None, ge=1900, le=2999, description="The year the baseline is of")
    baseline_calc: str | None = Field(
        default=None, max_length=4000, description="The baseline's calculation as the programme prints it"
    )
    target: InputNumber | None = None
    target_low: InputNumber | None = Field(default=None, description="A range's lower bound (with target_high)")
    target_high: InputNumber | None = Field(default=None, description="A range's upper bound (with target_low)")
    kind: TargetKind = TargetKind.PLAN
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
    baseline_year: int | None = None
    baseline_calc: str | None = None
    target: JsonNumber | None = None
    target_low: JsonNumber | None = None
    target_high: JsonNumber | None = None
    kind: TargetKind = TargetKind.PLAN
    note: str | None = None
    locked: bool = Field(default=False, description="Approved: a change needs a reopen with a reason")
    approved_at: datetime | None = None
    approved_by: str | None = None
    version: int
    updated_at: datetime


class TargetKey(RequestModel):
    model_config = ConfigDict(extra="forbid")

    org_unit_code: str = Field(min_length=1, max_length=64)
    period: PeriodField


class TargetsApprove(RequestModel):
    """Targets to approve (lock): each stays as it is until reopened with a reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"items": [{"org_unit_code": "RU-MUR", "period": "2025"}]}]},
    )

    items: list[TargetKey] = Field(min_length=1, max_length=MAX_TARGET_ITEMS)
    reason: str | None = Field(default=None, max_length=1000, description="Kept in the audit trail")


class TargetsReopen(RequestModel):
    """Approved targets to unlock for a change; the reason is required and audited."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"items": [{"org_unit_code": "RU-MUR", "period": "2025"}], "reason": "programme amended"}]
        },
    )

    items: list[TargetKey] = Field(min_length=1, max_length=MAX_TARGET_ITEMS)
    reason: str = Field(min_length=1, max_length=1000, description="Why the approved targets change")


class CauseNotePut(RequestModel):
    """The factor analysis («анализ факторов») of a deviation from target for one org unit and period."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"org_unit_code": "RU-MUR", "period": "2025", "note": "двое врачей уволились в III квартале"}]
        },
    )

    org_unit_code: str = Field(min_length=1, max_length=64)
    period: PeriodField
    note: str = Field(min_length=1, max_length=10_000)


class CauseNoteRead(BaseModel):
    indicator_code: str
    org_unit_code: str
    period: str
    note: str
    updated_by: str
    updated_at: datetime


class TargetsResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    items: list[TargetRead]
