"""Schemas of programme volumes, activity progress and execution at a date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from roadmap_api.common import Day, Number
from roadmap_api.programmes.execution_rules import ProgressStatus
from zdrav_shared.validation import RequestModel

Volume = Annotated[Number, Field(ge=0, max_digits=20, decimal_places=6)]


class VolumeIn(RequestModel):
    """A planned (and, once known, actual) volume of an activity in a year."""

    model_config = ConfigDict(extra="forbid")

    activity_no: int = Field(ge=1, le=10_000)
    name_ru: str = Field(min_length=1, max_length=500, examples=["Приобретено автомобилей"])
    unit: str = Field(min_length=1, max_length=100, examples=["единиц"])
    year: int = Field(ge=1990, le=2100)
    planned: Volume | None = None
    actual: Volume | None = None


class VolumesReplace(RequestModel):
    model_config = ConfigDict(extra="forbid")

    items: list[VolumeIn] = Field(max_length=5_000)


class VolumeRead(VolumeIn):
    done_pct: Number | None = Field(description="actual ÷ planned × 100 (null without both, or planned 0)")


class ProgressIn(RequestModel):
    """A report on an activity: as a whole (an activity with an end date), or for one ``year`` (an
    annual one; ongoing ones may report per year or as a whole)."""

    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(default=None, ge=1990, le=2100)
    status: ProgressStatus
    completed_on: Day | None = None
    comment: str | None = Field(default=None, max_length=5000)


class ProgressRead(BaseModel):
    activity_no: int
    period: str
    status: ProgressStatus
    completed_on: date | None
    comment: str | None
    updated_by: str
    updated_at: datetime


class ObligationRead(BaseModel):
    activity_no: int
    period: str
    due_on: date
    outcome: str = Field(description="completed_on_time, completed_late, overdue, not_due or cancelled")


class ProgrammeExecutionRead(BaseModel):
    """Execution of the programme's activities at ``as_of`` (rules in ``execution_rules``)."""

    programme_id: int
    as_of: date
    due: int
    completed_on_time: int
    completed_late: int
    overdue: int
    cancelled: int
    execution_pct: Number | None
    threshold_pct: Number
    meets_threshold: bool | None
    ongoing_activities: list[int]
    obligations: list[ObligationRead]
    volumes: list[VolumeRead] = Field(description="Planned and actual volumes of the years up to as_of")
