from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SkippedIndicator(BaseModel):
    indicator_code: str
    reason: str = Field(examples=["period_finer_than_periodicity"])


class RefreshResult(BaseModel):
    """What a refresh pulled. A peer that did not answer is listed in ``unavailable``: the values
    pulled from it before are kept (with their older ``data_as_of``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "2025Q2",
                    "region": "RU-MUR",
                    "data_as_of": "2025-07-01T09:00:00Z",
                    "indicators": ["NSI_4", "NSI_NPS", "NSI_PLAN_EXECUTION"],
                    "values_stored": 42,
                    "unavailable": [],
                    "skipped": [],
                }
            ]
        }
    )

    period: str
    region: str | None = Field(description="null: every org unit")
    data_as_of: datetime
    indicators: list[str] = Field(description="Indicators whose values were pulled")
    values_stored: int
    unavailable: list[str] = Field(description="Peers (survey, roadmaps) that did not answer")
    skipped: list[SkippedIndicator]
