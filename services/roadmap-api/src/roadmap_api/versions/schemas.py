from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from roadmap_api.tasks.rules import Recurrence
from zdrav_shared.validation import RequestModel


class VersionStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


class RevisionCreate(RequestModel):
    """Why the approved roadmap is revised (the method: targets or dates missed, new measures)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Срок открытия call-центра сорван: торги не состоялись"}]},
    )

    reason: str = Field(min_length=1, max_length=2000)


class VersionRead(BaseModel):
    """One version of a roadmap's plan."""

    version: int = Field(description="1 for the first plan, then one more per revision")
    status: VersionStatus = Field(description="draft while edited, approved while in force, superseded after")
    reason: str | None = Field(description="Why it was opened (null for the first version)")
    approved_at: datetime | None
    approved_by: str | None = Field(description="Who recorded the approval")
    approved_by_governor: str | None
    approved_by_agency: str | None
    approval_document: str | None
    effective_from: date | None = Field(
        description="The approval's date in the region: execution on and after it is measured against this version"
    )
    created_by: str
    created_at: datetime


class OccurrenceRead(BaseModel):
    period: str
    due_date: date


class PlanTaskRead(BaseModel):
    """A task as the version plans it."""

    task_id: int
    title: str
    start_date: date | None
    due_date: date
    recurrence: Recurrence
    measured: bool = Field(description="A leaf one-off task: one unit of execution")
    occurrences: list[OccurrenceRead] = Field(description="Recurring leaves: the units, one per quarter or year")


class VersionDetail(VersionRead):
    """A version with its plan: frozen at approval; for the open draft, the working plan as it
    would be approved now (`frozen: false`)."""

    frozen: bool
    kpis: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    tasks: list[PlanTaskRead]
