from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from kpi_api.numbers import InputNumber, JsonNumber
from kpi_api.population.rules import PopulationKind, SettlementType, Subordination
from zdrav_shared.validation import RequestModel


class PopulationFigureCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"as_of": "2025-01-01", "value": 4310, "kind": "attached"}]}
    )

    as_of: date = Field(description="The date the figure is for")
    value: InputNumber = Field(ge=0, description="People")
    kind: PopulationKind = PopulationKind.ATTACHED
    source: str | None = Field(
        default=None, max_length=500, description="Where the figure comes from (ТФОМС, Росстат…)"
    )


class PopulationFigureRead(BaseModel):
    org_unit_code: str
    kind: PopulationKind
    as_of: date
    value: JsonNumber
    source: str | None = None
    updated_by: str
    updated_at: datetime


class Differentiation(BaseModel):
    """The Murmansk programme's differentiation group of the latest attached population."""

    group: int | None = Field(description="1–6, null at 50 000 people and more")
    coefficient: JsonNumber | None = None
    band_ru: str | None = None
    applies: bool = Field(
        description="The org unit is in a rural area, a workers' or urban-type settlement or a small town"
    )


class PopulationRead(BaseModel):
    org_unit_code: str
    subordination: Subordination | None = None
    settlement_type: SettlementType | None = None
    attached: PopulationFigureRead | None = Field(default=None, description="The latest attached figure")
    resident: PopulationFigureRead | None = Field(default=None, description="The latest resident figure")
    differentiation: Differentiation | None = Field(default=None, description="From the latest attached figure")
    figures: list[PopulationFigureRead] = Field(description="Every figure, newest first")
