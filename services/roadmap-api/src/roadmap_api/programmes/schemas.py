from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from roadmap_api.common import Amount, Code, Day, Label, Number
from roadmap_api.programmes.rules import FundingSource, PlanLevel, TermKind
from zdrav_shared.validation import RequestModel

Year = int


class ProgrammeCreate(RequestModel):
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


class TermIn(RequestModel):
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


class PlanItemIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    level: PlanLevel
    number: int = Field(ge=1, le=10_000)
    goal_no: int = Field(ge=1, le=10_000)
    task_no: int | None = Field(default=None, ge=1, le=10_000)
    title_ru: str = Field(min_length=1, max_length=5000)
    start: TermIn
    end: TermIn
    responsible_ru: str | None = Field(default=None, max_length=2000, description="Responsible bodies as printed")
    result_ru: str | None = Field(default=None, max_length=2000, description="The result document")
    responsible_bodies: list[Label] | None = Field(
        default=None, max_length=20, description="The responsible bodies one by one (several per activity)"
    )
    no_financing_needed: bool = Field(
        default=False, description="«не требуют финансирования»: needs no money — not a missing amount"
    )


class PlanReplace(RequestModel):
    model_config = ConfigDict(extra="forbid")

    items: list[PlanItemIn] = Field(max_length=2000)


class PlanItemRead(PlanItemIn):
    start: TermIn
    end: TermIn


KbkCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё .]*$")]
KbkCell = Annotated[list[KbkCode], Field(max_length=20)] | Literal["x"] | None


class Kbk(RequestModel):
    """Budget classification codes (КБК) printed beside a financing line, several per cell where the
    source prints several; ``"x"`` = not applicable (as printed), null = empty cell."""

    model_config = ConfigDict(extra="forbid")

    glava: KbkCell = Field(default=None, description="Глава (chapter of the budget)")
    razdel_podrazdel: KbkCell = Field(default=None, description="Раздел, подраздел")
    tselevaya_statya: KbkCell = Field(default=None, description="Целевая статья")
    vid_raskhodov: KbkCell = Field(default=None, description="Вид расходов")


class FinancingLineIn(RequestModel):
    """An amount of one activity, source and year, in thousand rubles (empty cell = null)."""

    model_config = ConfigDict(extra="forbid")

    activity_no: int = Field(ge=1, le=10_000)
    source: FundingSource
    year: Year
    amount: Amount | None
    kbk: Kbk | None = None


class DeclaredTotalIn(RequestModel):
    """A published total the lines must add up to: ``activity_no`` null = the whole programme,
    ``year`` null = the whole period; source ``total`` = the sum of the component sources."""

    model_config = ConfigDict(extra="forbid")

    activity_no: int | None = Field(default=None, ge=1, le=10_000)
    source: FundingSource
    year: Year | None = None
    amount: Amount


class FinancingReplace(RequestModel):
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
    no_financing_needed: bool = False


class UnfinancedActivity(BaseModel):
    """A plan activity without any financing line: ``no_financing_needed`` tells "needs no money"
    (as printed) from a missing amount."""

    activity_no: int
    title_ru: str
    no_financing_needed: bool


class FinancingWarning(BaseModel):
    """Something stored as printed that does not add up or contradicts the plan."""

    kind: Literal["total_mismatch", "financed_but_not_needed", "missing_financing"]
    activity_no: int | None
    year: int | None
    source: FundingSource | None
    declared: Number | None = None
    computed: Number | None = None
    message: str


class FinancingTotals(BaseModel):
    """Totals in thousand rubles; ``total`` sums the component sources (regional budget, federal
    transfer, municipal budgets, extra-budgetary funds, legal entities), and equals both the sum of
    ``by_year`` and the sum of ``by_activity``. ``by_source`` also lists memo sources as printed."""

    programme_id: int
    total: Number
    by_year: list[YearAmount]
    by_source: list[SourceAmount]
    by_activity: list[ActivityAmount]
    unfinanced: list[UnfinancedActivity] = Field(default_factory=list)
    declared_checked: int = Field(description="Published totals the lines were reconciled against")
    warnings: list[FinancingWarning] = Field(
        default_factory=list, description="Printed totals that do not add up (stored as printed) and contradictions"
    )


class FinancingLineRead(FinancingLineIn):
    pass
