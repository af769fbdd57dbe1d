from __future__ import annotations

from pydantic import BaseModel, Field

from kpi_api.numbers import JsonNumber
from kpi_api.targets.rules import Status


class AlertRead(BaseModel):
    """A control indicator whose annual figure misses its annual target: the programme is under review."""

    kind: str = Field(default="control_target_missed", description="What raised the alert")
    indicator_code: str
    name_ru: str
    org_unit_code: str
    year: int
    value: JsonNumber | None = None
    target: JsonNumber | None = None
    target_low: JsonNumber | None = None
    target_high: JsonNumber | None = None
    deviation: JsonNumber | None = None
    deviation_pct: JsonNumber | None = None
    status: Status
    reason: str


class AlertsAnswer(BaseModel):
    region: str
    year: int
    control_indicators: int = Field(description="Control indicators of the region judged (with an annual target)")
    alerts: list[AlertRead]
