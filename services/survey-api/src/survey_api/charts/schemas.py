"""What the satisfaction chart draws, as JSON (``.json``): the rows the image is rendered from."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ChartFile(StrEnum):
    """The answer of a chart endpoint: the image (png, svg) or the figures it draws (json)."""

    PNG = "png"
    SVG = "svg"
    JSON = "json"


class IntervalRow(BaseModel):
    org_unit_code: str
    name_ru: str
    n: int
    satisfaction_share: float | None
    satisfaction_ci95: list[float] | None
    nps: float | None
    nps_ci95: list[float] | None
    sample_ok: bool


class SatisfactionChart(BaseModel):
    """Satisfaction and NPS of each org unit with responses under ``org_unit``, with their intervals."""

    campaign_code: str
    org_unit_code: str
    period: str
    minimum_sample: int
    title: str
    rows: list[IntervalRow] = Field(description="The rows of GET /v1/aggregates?group_by=org_unit, in its order")
