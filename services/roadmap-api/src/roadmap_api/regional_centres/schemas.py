from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from roadmap_api.common import Code, Day, Label, Number
from zdrav_shared.validation import RequestModel


class CentreCreate(RequestModel):
    """A regional centre: one per region."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "region_code": "RU-MUR",
                    "name_ru": "Региональный центр организации первичной медико-санитарной помощи",
                    "host_org_code": "MUR-ROKB",
                    "act": "Приказ Министерства здравоохранения Мурманской области от 01.03.2020 № 100",
                    "polyclinics_total": 12,
                }
            ]
        },
    )

    region_code: Code
    name_ru: str = Field(min_length=1, max_length=1000)
    host_org_code: Code | None = Field(default=None, description="The organisation the centre is part of")
    act: str | None = Field(default=None, max_length=2000, description="The act that set the centre up")
    polyclinics_total: int | None = Field(
        default=None, ge=0, le=100_000, description="Polyclinics of the region the centre works with"
    )


class CentreUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name_ru: str | None = Field(default=None, min_length=1, max_length=1000)
    host_org_code: Code | None = None
    act: str | None = Field(default=None, max_length=2000)
    polyclinics_total: int | None = Field(default=None, ge=0, le=100_000)


class MemberCreate(RequestModel):
    """A member of the centre. ``main_job`` is true when the centre is the member's main job
    (основное место работы), false when it is a second job, or the name of the main job elsewhere.
    ``changed_on`` is the date of the change of composition (default: today in the region)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Иванова Мария Петровна",
                    "position": "Руководитель регионального центра",
                    "is_head": True,
                    "medical_education": True,
                    "site_time_pct": 40,
                    "main_job": True,
                    "polyclinic_codes": ["MUR-GP1"],
                    "own_project": "Открытая регистратура в ГП № 1",
                }
            ]
        },
    )

    name: Label
    position: Label
    is_head: bool = False
    medical_education: bool
    site_time_pct: Number | None = Field(
        default=None, ge=0, le=100, max_digits=5, decimal_places=2, description="Share of time on polyclinic sites"
    )
    main_job: bool | Label | None = None
    polyclinic_codes: list[Code] = Field(default_factory=list, max_length=500)
    own_project: str | None = Field(default=None, max_length=2000, description="The member's own project")
    improvement_project_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    changed_on: Day | None = None


class MemberUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name: Label | None = None
    position: Label | None = None
    is_head: bool | None = None
    medical_education: bool | None = None
    site_time_pct: Number | None = Field(default=None, ge=0, le=100, max_digits=5, decimal_places=2)
    main_job: bool | Label | None = None
    polyclinic_codes: list[Code] | None = Field(default=None, max_length=500)
    own_project: str | None = Field(default=None, max_length=2000)
    improvement_project_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    changed_on: Day | None = None
    reason: str | None = Field(default=None, max_length=2000)


class NoticeRead(BaseModel):
    """The 3-working-day notice of a change of composition, owed to kpi-api. ``pending`` until kpi-api
    acknowledges it (then ``sent`` with kpi-api's ``due_at``); retried until then, never dropped."""

    id: int
    event_date: date
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    due_at: str | None
    changes: list[str]


class MemberRead(BaseModel):
    id: int
    centre_id: int
    name: str
    position: str
    is_head: bool
    medical_education: bool
    site_time_pct: Number | None
    main_job: bool | str | None
    polyclinic_codes: list[str]
    polyclinics_verified: bool = Field(description="false when kpi-api could not be asked at the time")
    own_project: str | None
    improvement_project_id: int | None
    version: int


class MemberChanged(MemberRead):
    """A member after a write, with the change notice it joined (if it changed the composition)."""

    notice: NoticeRead | None
    warnings: list[str]


class CentreRead(BaseModel):
    id: int
    region_code: str
    name_ru: str
    host_org_code: str | None
    act: str | None
    polyclinics_total: int | None
    version: int
    created_at: datetime
    updated_at: datetime


class CentreDetail(CentreRead):
    members: list[MemberRead]


class CheckRead(BaseModel):
    rule: str
    ok: bool
    detail: str


class ComplianceRead(BaseModel):
    """Every staffing rule of the federal centre's recommendations, each with ``ok`` and a detail."""

    centre_id: int
    region_code: str
    ok: bool
    staff: int
    polyclinics: int
    checks: list[CheckRead]
