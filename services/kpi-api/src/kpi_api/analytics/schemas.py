from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.numbers import JsonNumber
from kpi_api.targets.rules import Status


class DataFilter(StrEnum):
    """Which values analytics reads: ``approved`` only; ``submitted`` (submitted and approved, the
    default); ``all`` (drafts too: only for users of the region asked about)."""

    APPROVED = "approved"
    SUBMITTED = "submitted"
    ALL = "all"

    @property
    def statuses(self) -> tuple[str, ...] | None:
        """The value statuses read (None: every one)."""
        if self is DataFilter.APPROVED:
            return ("approved",)
        if self is DataFilter.SUBMITTED:
            return ("submitted", "approved")
        return None


class AnalyticsRow(BaseModel):
    """One indicator for one org unit (its whole subtree) and period.

    ``value`` is null with a ``reason`` when it cannot be computed (``no_data``, ``missing_input:CODE``,
    ``division_by_zero``, ``period_finer_than_periodicity``, ``no_formula_in_effect``). Formula
    indicators and ratio inputs carry the aggregated ``numerator`` and ``denominator`` (ratio of sums).
    ``deviation`` is value − target as shown (both at the indicator's precision), ``deviation_pct`` the
    deviation as a percentage of the target (null for a target of 0)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "indicator_code": "STAFFING_RATE",
                    "org_unit_code": "RU-MUR",
                    "period": "2025Q2",
                    "unit": "%",
                    "precision": 1,
                    "value": 82.3,
                    "numerator": 412,
                    "denominator": 601,
                    "target": 85,
                    "status": "at_risk",
                    "deviation": -2.7,
                    "deviation_pct": -3.2,
                    "status_reason": "value 82.3 is 96.8 % of target 85 (higher is better)",
                }
            ]
        }
    )

    indicator_code: str
    org_unit_code: str
    period: str
    ytd: bool = Field(default=False, description="The value covers the year up to and including the period")
    value: JsonNumber | None = None
    reason: str | None = Field(default=None, description="Why value is null")
    numerator: JsonNumber | None = None
    denominator: JsonNumber | None = None
    target: JsonNumber | None = None
    target_period: str | None = Field(default=None, description="The period whose target the target comes from")
    baseline: JsonNumber | None = None
    target_low: JsonNumber | None = Field(default=None, description="A target range's lower bound (null: none)")
    target_high: JsonNumber | None = Field(default=None, description="A target range's upper bound (null: none)")
    deviation: JsonNumber | None = Field(default=None, description="value − target")
    deviation_pct: JsonNumber | None = Field(default=None, description="(value − target) ÷ target × 100")
    status: Status | None = None
    status_reason: str | None = None
    warning: str | None = Field(
        default=None, description="A figure to check (above the indicator's declared maximum): never `achieved`"
    )
    cause_note_required: bool = Field(
        default=False, description="The deviation passes the indicator's cause_note_pct: a cause note is due"
    )
    cause_note: str | None = Field(default=None, description="The recorded factor analysis («анализ факторов»)")
    previous_period: str | None = None
    previous_value: JsonNumber | None = None
    reported_units: int = Field(
        default=0,
        description="Org units in the subtree whose values (of the data asked for) the figure rests on; for a "
        "formula, its input with the fewest",
    )
    n: int | None = Field(default=None, description="Pulled indicators: the survey sample, or the roadmap tasks due")
    sample_ok: bool | None = Field(default=None, description="Pulled survey indicators: the sample reaches the minimum")
    dont_know: int | None = Field(
        default=None, description="Pulled satisfaction: answers dont_know, outside the share's denominator"
    )
    data_as_of: datetime | None = Field(default=None, description="Pulled indicators: when the peer was read")
    unit: str
    precision: int


class AnalyticsAnswer(BaseModel):
    rows: list[AnalyticsRow]
    data: DataFilter = Field(default=DataFilter.SUBMITTED, description="Which values were read")
    data_as_of: datetime
