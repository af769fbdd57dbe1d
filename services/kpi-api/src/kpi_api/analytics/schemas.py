from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.numbers import JsonNumber
from kpi_api.targets.rules import Status


class AnalyticsRow(BaseModel):
    """One indicator for one org unit (its whole subtree) and period.

    ``value`` is null with a ``reason`` when it cannot be computed (``no_data``, ``missing_input:CODE``,
    ``division_by_zero``, ``period_finer_than_periodicity``, ``no_formula_in_effect``). Formula
    indicators carry the aggregated ``numerator`` and ``denominator`` (ratio of sums)."""

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
    status: Status | None = None
    status_reason: str | None = None
    previous_period: str | None = None
    previous_value: JsonNumber | None = None
    reported_units: int = Field(default=0, description="Org units in the subtree with data (input indicators)")
    n: int | None = Field(default=None, description="Pulled indicators: the survey sample, or the roadmap tasks due")
    sample_ok: bool | None = Field(default=None, description="Pulled survey indicators: the sample reaches the minimum")
    data_as_of: datetime | None = Field(default=None, description="Pulled indicators: when the peer was read")
    unit: str
    precision: int


class AnalyticsAnswer(BaseModel):
    rows: list[AnalyticsRow]
    data_as_of: datetime
