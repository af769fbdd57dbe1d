from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from roadmap_api.common import Code, Measurement, Number, PeriodCode
from roadmap_api.tasks.rules import RoadmapStatus
from zdrav_shared.validation import RequestModel


class KpiLink(RequestModel):
    """A KPI of the roadmap: an indicator of kpi-api with baseline, target and target period."""

    model_config = ConfigDict(extra="forbid")

    indicator_code: Code
    baseline: Measurement | None = None
    target: Measurement
    target_period: PeriodCode


class MeasureCreate(RequestModel):
    """A measure: the problem, its causes, the solution and the best practices it uses; as the
    method's template has it, also "(Ф)" (``federal_level``) with the proposals for the federal
    roadmap, the reused assets and catalogue best practices by code (see ``measure_template``)."""

    model_config = ConfigDict(extra="forbid")

    problem: str = Field(min_length=1, max_length=5000)
    causes: list[str] = Field(default_factory=list, max_length=50)
    solution: str = Field(min_length=1, max_length=5000)
    best_practices: list[str] = Field(default_factory=list, max_length=50)
    federal_level: bool | None = Field(
        default=None, description='"(Ф)": needs a federal decision; default: true when the solution carries "(Ф)"'
    )
    federal_proposals: list[str] = Field(default_factory=list, max_length=50, description="For the federal roadmap")
    reused_assets: list[str] = Field(
        default_factory=list, max_length=50, description="Own and others' ready assets: methods, templates, rules"
    )
    best_practice_codes: list[Code] = Field(
        default_factory=list, max_length=50, description="Codes of the best-practice catalogue (/v1/best-practices)"
    )


class RoadmapCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "region_code": "RU-MUR",
                    "life_situation": "Плановая специализированная помощь пациенту с ССЗ",
                    "title": "Дорожная карта ЖС «ССЗ» 2025",
                    "kpis": [{"indicator_code": "SAT_SHARE", "baseline": 61.5, "target": 75, "target_period": "2025"}],
                }
            ]
        },
    )

    region_code: Code
    life_situation: str = Field(min_length=1, max_length=500)
    title: str = Field(min_length=1, max_length=500)
    kpis: list[KpiLink] = Field(default_factory=list, max_length=100)
    measures: list[MeasureCreate] = Field(default_factory=list, max_length=100)


class RoadmapUpdate(RequestModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    life_situation: str | None = Field(default=None, min_length=1, max_length=500)
    title: str | None = Field(default=None, min_length=1, max_length=500)
    version: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="The version read: a compare-and-set like If-Match, which wins if both are sent",
    )


class KpisReplace(RequestModel):
    model_config = ConfigDict(extra="forbid")

    kpis: list[KpiLink] = Field(max_length=100)


Approver = Annotated[str, Field(min_length=1, max_length=500)]


class StatusChange(RequestModel):
    """The next status: draft → approved → in_progress → completed → scaled. `approved` also
    approves an open revision. The method has a roadmap approved by the region's highest official
    (the governor) and by the national agency (АСИ): name both, as text, with the approval."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "approved",
                    "approved_by_governor": "Губернатор Мурманской области",
                    "approved_by_agency": "АНО «Агентство стратегических инициатив»",
                    "approval_document": "Распоряжение Губернатора от 20.07.2021 № 123-РГ",
                }
            ]
        },
    )

    status: RoadmapStatus
    approved_by_governor: Approver | None = Field(default=None, description="Only with status approved")
    approved_by_agency: Approver | None = Field(default=None, description="Only with status approved")
    approval_document: Approver | None = Field(default=None, description="The act approving it (number, date)")


class KpiRead(BaseModel):
    indicator_code: str
    baseline: Number | None
    target: Number
    target_period: str
    current_value: Number | None = Field(description="From kpi-api's analytics; null with a reason when unavailable")
    current_value_reason: str | None = None


class MeasureRead(MeasureCreate):
    id: int
    federal_level: bool


class RoadmapRead(BaseModel):
    id: int
    region_code: str
    life_situation: str
    title: str
    status: RoadmapStatus
    approved_by: str | None = Field(description="Who recorded the latest approval")
    approved_at: datetime | None
    approved_by_governor: str | None = Field(description="Of the version in force")
    approved_by_agency: str | None = Field(description="Of the version in force")
    plan_version: int | None = Field(description="The approved version in force; null until the first approval")
    draft_version: int | None = Field(
        description="The version being edited: 1 for a new roadmap, the open revision's number, else null"
    )
    created_by: str
    source_project_id: int | None
    kpis: list[KpiRead]
    measures: list[MeasureRead]
    version: int
    created_at: datetime
    updated_at: datetime


class RoadmapSummary(BaseModel):
    """A roadmap in a list."""

    id: int
    region_code: str
    life_situation: str
    title: str
    status: RoadmapStatus
    plan_version: int | None
    draft_version: int | None
    version: int
    updated_at: datetime


class JournalRead(BaseModel):
    """One field-level change: who, when, before and after."""

    id: int
    roadmap_id: int
    task_id: int | None
    entity: str
    entity_id: int
    action: str
    field: str | None
    before: Any
    after: Any
    actor: str
    at: datetime
