from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from roadmap_api.common import Code, Day, Label, Number
from roadmap_api.improvements.rules import (
    Category,
    Direction,
    Movement,
    NewModelCriterion,
    PassportAction,
    PassportStatus,
    ProjectStatus,
    Stage,
)
from zdrav_shared.validation import RequestModel


class StageIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    stage: Stage
    start_date: Day
    end_date: Day

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self


class MetricIn(RequestModel):
    """A measured quantity before, after and as targeted (e.g. queue waiting time in minutes)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=500)
    unit: str = Field(min_length=1, max_length=100)
    direction: Direction
    before: Number = Field(ge=0, max_digits=20, decimal_places=6)
    after: Number | None = Field(default=None, ge=0, max_digits=20, decimal_places=6)
    target: Number | None = Field(default=None, ge=0, max_digits=20, decimal_places=6)


class StagesReplace(RequestModel):
    model_config = ConfigDict(extra="forbid")

    items: list[StageIn] = Field(max_length=5)


class MetricsReplace(RequestModel):
    model_config = ConfigDict(extra="forbid")

    items: list[MetricIn] = Field(max_length=100)


class ImprovementCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "region_code": "RU-MUR",
                    "pilot_org_unit_code": "MUR-GP1",
                    "title": "Регистратура без очередей",
                    "category": "registry",
                    "process": "Запись на приём через регистратуру",
                    "problem": "Очередь в регистратуру до 30 минут",
                    "goal": "Сократить ожидание до 10 минут",
                    "team": ["Главный врач", "Старшая медсестра"],
                    "metrics": [
                        {
                            "name": "Ожидание в очереди",
                            "unit": "мин",
                            "direction": "lower_is_better",
                            "before": 30,
                            "after": 8,
                            "target": 10,
                        }
                    ],
                }
            ]
        },
    )

    region_code: Code
    pilot_org_unit_code: Code | None = Field(default=None, description="The pilot organisation")
    title: str = Field(min_length=1, max_length=500)
    category: Category
    process: str = Field(min_length=1, max_length=5000)
    problem: str = Field(min_length=1, max_length=5000)
    goal: str = Field(min_length=1, max_length=5000)
    team: list[Label] = Field(default_factory=list, max_length=50)
    stages: list[StageIn] = Field(default_factory=list, max_length=5)
    metrics: list[MetricIn] = Field(default_factory=list, max_length=100)
    org_unit_code: Code | None = Field(
        default=None,
        description="The organisation that carries it out (default: the pilot organisation); "
        "its mo_operators update status, dates, metrics and comments",
    )
    leader: Label | None = Field(default=None, description="The project leader (руководитель проекта)")
    new_model_criteria: list[NewModelCriterion] = Field(
        default_factory=list, max_length=20, description="New-model criteria the project targets"
    )
    start_date: Day | None = None
    end_date: Day | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self


class ImprovementUpdate(RequestModel):
    """Passport fields (title … new_model_criteria) are the region's and locked once the regional
    centre approved the passport; ``status`` and the dates are the project's progress, which the
    organisation's mo_operators update too."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=500)
    category: Category | None = None
    process: str | None = Field(default=None, min_length=1, max_length=5000)
    problem: str | None = Field(default=None, min_length=1, max_length=5000)
    goal: str | None = Field(default=None, min_length=1, max_length=5000)
    team: list[Label] | None = Field(default=None, max_length=50)
    leader: Label | None = None
    new_model_criteria: list[NewModelCriterion] | None = Field(default=None, max_length=20)
    status: ProjectStatus | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    reason: str | None = Field(default=None, max_length=2000, description="Kept in the audit trail")


class EffectRead(BaseModel):
    """Direction-aware effect: ``factor`` is larger ÷ smaller (null when the smaller is 0)."""

    movement: Movement
    factor: Number | None
    change_pct: Number | None
    improved: bool
    target_achieved: bool | None
    label: str = Field(examples=["reduced 3.8×"])


class MetricRead(MetricIn):
    effect: EffectRead | None = Field(description="null until an `after` value is measured")


class StageRead(StageIn):
    pass


class PassportRead(BaseModel):
    """The passport's approval by the regional centre."""

    status: PassportStatus
    submitted_by: str | None
    submitted_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    approver_body: str | None
    note: str | None


class PassportStep(RequestModel):
    """``submit`` (for approval), ``approve`` (by the regional centre; not by who submitted it) or
    ``return`` (to be corrected; also reopens an approved passport)."""

    model_config = ConfigDict(extra="forbid")

    action: PassportAction
    note: str | None = Field(default=None, max_length=2000)
    approver_body: str | None = Field(
        default=None, max_length=500, description="Who approves, as text; default: the regional centre"
    )


class CommentCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)


class CommentRead(BaseModel):
    id: int
    author: str
    text: str
    created_at: datetime


class CriterionRead(BaseModel):
    code: NewModelCriterion
    name_ru: str
    lean_report_table: int


class ImprovementRead(BaseModel):
    id: int
    region_code: str
    pilot_org_unit_code: str | None
    org_unit_code: str | None
    title: str
    category: Category
    process: str
    problem: str
    goal: str
    team: list[str]
    leader: str | None
    new_model_criteria: list[NewModelCriterion]
    status: ProjectStatus
    start_date: Day | None
    end_date: Day | None
    passport: PassportRead
    source_project_id: int | None
    current_stage: Stage | None = Field(description="The stage whose dates contain today")
    stages: list[StageRead]
    metrics: list[MetricRead]
    version: int
    created_at: datetime
    updated_at: datetime


class ImprovementSummary(BaseModel):
    id: int
    region_code: str
    org_unit_code: str | None
    title: str
    category: Category
    status: ProjectStatus
    passport_status: PassportStatus
    version: int
