"""What a chart draws, as JSON (``format=json``): the same series the image is rendered from."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from kpi_api.numbers import JsonNumber
from kpi_api.targets.rules import Status


class ChartFile(StrEnum):
    """The answer of a chart endpoint: the image (png, svg) or the figures it draws (json)."""

    PNG = "png"
    SVG = "svg"
    JSON = "json"


class TrendPoint(BaseModel):
    period: str
    value: JsonNumber | None = None
    target: JsonNumber | None = None
    target_low: JsonNumber | None = None
    target_high: JsonNumber | None = None
    status: Status | None = None


class TrendChart(BaseModel):
    """An indicator's values for one org unit over periods, with the target (or range) in force."""

    indicator_code: str
    org_unit_code: str
    title: str
    unit: str
    points: list[TrendPoint]


class LeagueRow(BaseModel):
    org_unit_code: str
    name_ru: str
    value: JsonNumber | None = None
    target: JsonNumber | None = None
    status: Status | None = None


class LeagueChart(BaseModel):
    """The units below a parent for one indicator and period, best first (per the indicator's direction)."""

    indicator_code: str
    parent: str
    period: str
    title: str
    unit: str
    rows: list[LeagueRow] = Field(description="Ranked best first; units without a value last")
