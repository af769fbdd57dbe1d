from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from roadmap_api.common import Amount, Code, Day, Number
from roadmap_api.programmes.rules import FundingSource, PlanLevel, TermKind

Year = int


class ProgrammeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "MUR-PMSP-2021-2025",
                    "region_code": "RU-MUR",
                    "title_ru": "Региональная программа модернизации первичного звена здравоохранения",
                    "start_year": 2021,
                    "end_year": 2025,
                }
            ]
        },
    )

    code: Code
    region_code: Code
    title_ru: str = Field(min_length=1, max_length=2000)
    start_year: Year = Field(ge=1990, le=2100)
    end_year: Year = Field(ge=1990, le=2100)

    @model_validator(mode="after")
    def _years(self) -> Self:
        if self.end_year < self.start_year:
            raise ValueError("end_year is before start_year")
        return self


class ProgrammeRead(BaseModel):
    id: int
    code: str
    region_code: str
    title_ru: str
    start_year: int
    end_year: int
    version: int
    created_at: datetime
    updated_at: datetime


class TermIn(BaseModel):
    """A start or end term: a date, or ``ongoing`` / ``annually`` / ``event`` with the printed text."""

    model_config = ConfigDict(extra="forbid")

    kind: TermKind
    on: Day | None = None
    text: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _date_iff_kind_date(self) -> Self:
        if (self.kind is TermKind.DATE) != (self.on is not None):
            raise ValueError("`on` is required for a date term and not allowed otherwise")
        return self


class PlanItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: PlanLevel
    number: int = Field(ge=1, le=10_000)
    goal_no: int = Field(ge=1, le=10_000)
    task_no: int | None = Field(default=None, ge=1, le=10_000)
    title_ru: str = Field(min_length=1, max_length=5000)
    start: TermIn
    end: TermIn
    responsible_ru: str | None = Field(default=None, max_length=2000, description="Responsible bodies")
    result_ru: str | None = Field(default=None, max_length=2000, description="The result document")


class PlanReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[PlanItemIn] = Field(max_length=2000)


class PlanItemRead(PlanItemIn):
    start: TermIn
    end: TermIn


class FinancingLineIn(BaseModel):
    """An amount of one activity, source and year, in thousand rubles (empty cell = null)."""

    model_config = ConfigDict(extra="forbid")

    activity_no: int = Field(ge=1, le=10_000)
    source: FundingSource
    year: Year
    amount: Amount | None


class DeclaredTotalIn(BaseModel):
    """A published total the lines must add up to: ``activity_no`` null = the whole programme,
    ``year`` null = the whole period; source ``total`` = the sum of the component sources."""

    model_config = ConfigDict(extra="forbid")

    activity_no: int | None = Field(default=None, ge=1, le=10_000)
    source: FundingSource
    year: Year | None = None
    amount: Amount


class FinancingReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[FinancingLineIn] = Field(max_length=5_000)
    declared: list[DeclaredTotalIn] = Field(default_factory=list, max_length=1_000)


class YearAmount(BaseModel):
    year: int
    amount: Number


class SourceAmount(BaseModel):
    source: FundingSource
    amount: Number


class ActivityAmount(BaseModel):
    activity_no: int
    title_ru: str | None
    amount: Number


class FinancingTotals(BaseModel):
    """Totals in thousand rubles; ``total`` sums the component sources (regional budget, federal
    transfer, municipal budgets, extra-budgetary funds, legal entities), and equals both the sum of
    ``by_year`` and the sum of ``by_activity``. ``by_source`` also lists memo sources as printed."""

    programme_id: int
    total: Number
    by_year: list[YearAmount]
    by_source: list[SourceAmount]
    by_activity: list[ActivityAmount]
    declared_checked: int = Field(description="Published totals the lines were reconciled against")
