from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from roadmap_api.common import Code
from roadmap_api.escalations.rules import Level, Status, Subject
from zdrav_shared.validation import RequestModel


class EscalationCreate(RequestModel):
    """A problem on a polyclinic (``org_unit_code``) or an improvement project
    (``improvement_project_id``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject_kind": "polyclinic",
                    "org_unit_code": "MUR-GP1",
                    "title": "Нет врача-кардиолога второй месяц",
                    "description": "Запись к кардиологу закрыта; пациентов направляют в ГОБУЗ МОКБ.",
                }
            ]
        },
    )

    subject_kind: Subject
    org_unit_code: Code | None = None
    improvement_project_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _subject(self) -> Self:
        if self.subject_kind is Subject.POLYCLINIC and self.org_unit_code is None:
            raise ValueError("a polyclinic problem needs org_unit_code")
        if self.subject_kind is Subject.IMPROVEMENT_PROJECT and self.improvement_project_id is None:
            raise ValueError("a project problem needs improvement_project_id")
        return self


class MessageCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)


class AnswerCreate(MessageCreate):
    resolve: bool = Field(default=False, description="The answer settles the problem: the thread is resolved")


class EventRead(BaseModel):
    id: int
    kind: str
    level: Level
    text: str
    actor: str
    actor_roles: list[str]
    at: datetime


class AnswerRead(BaseModel):
    """Who answered at which level, and when."""

    level: Level
    text: str
    by: str
    at: datetime


class EscalationRead(BaseModel):
    id: int
    region_code: str
    subject_kind: Subject
    org_unit_code: str | None
    improvement_project_id: int | None
    title: str
    description: str
    level: Level
    status: Status
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class EscalationDetail(EscalationRead):
    answers: list[AnswerRead]
    events: list[EventRead]
