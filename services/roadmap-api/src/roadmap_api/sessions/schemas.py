from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, computed_field, model_validator

from roadmap_api.common import Code, Day, Label, Number
from roadmap_api.improvements.rules import Category
from roadmap_api.sessions.pipeline import ProjectStatus, refinement_overdue
from roadmap_api.sessions.rules import (
    DEFAULT_MAX_POINTS_PER_PROJECT,
    MAX_POINTS_PER_PROJECT,
    EvaluatorRole,
    VotingMode,
)
from zdrav_shared.validation import RequestModel

BallotPointsValue = Annotated[int, Field(ge=0, le=MAX_POINTS_PER_PROJECT)]
"""Points for one project: within the highest maximum a section may set (the section's own is checked
when the ballot is cast)."""


class ParticipantCategory(StrEnum):
    CHIEF_PHYSICIAN = "chief_physician"
    MINISTRY = "ministry"
    INSURANCE_FUND = "insurance_fund"
    UNIVERSITY = "university"
    COLLEGE = "college"
    YOUNG_DOCTOR = "young_doctor"
    STUDENT = "student"
    PATIENT_ORGANISATION = "patient_organisation"
    OTHER = "other"


class SessionCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "region_code": "RU-KYA",
                    "held_on": "2021-11-20",
                    "theme": "Стратегическая сессия «Регион & Университет»",
                    "organisers": ["КрасГМУ", "Министерство здравоохранения Красноярского края"],
                }
            ]
        },
    )

    region_code: Code
    held_on: Day | None = None
    theme: str = Field(min_length=1, max_length=2000)
    organisers: list[Label] = Field(default_factory=list, max_length=50)
    ends_at: AwareDatetime | None = Field(
        default=None, description="When the session ends; default: when its last voting window closes"
    )


class SectionCreate(RequestModel):
    """A section with its own ballot: ``points`` (spread points, with optional limits) or
    ``single_choice`` (one project per ballot). The window is ``[opens_at, closes_at)``."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    title: str = Field(min_length=1, max_length=1000)
    voting_mode: VotingMode
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    max_total_points: int | None = Field(default=None, ge=1, le=1000)
    max_points_per_project: int | None = Field(
        default=None,
        ge=1,
        le=MAX_POINTS_PER_PROJECT,
        description=f"The most points one ballot gives one project (none: {DEFAULT_MAX_POINTS_PER_PROJECT})",
    )
    top_n: int = Field(default=1, ge=1, le=100, description="How many best projects the section picks")

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        return self


class GroupCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name: Label
    moderator: Label
    section_code: Code | None = None


class ParticipantCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name: Label
    category: ParticipantCategory
    group_id: int | None = None


class ProjectCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    title: str = Field(min_length=1, max_length=2000)
    section_code: Code
    group_id: int | None = Field(default=None, description="The working group that drafted it")
    description: str | None = Field(default=None, max_length=10_000)


class BallotCreate(RequestModel):
    """``points`` (project code → points) in a points section, ``choice`` in a single-choice one.

    A participant votes with their own voting token and sends no ``participant_id`` (the token
    says who votes). A moderator keying in a paper ballot signs in as a user and names the
    participant."""

    model_config = ConfigDict(extra="forbid")

    participant_id: int | None = Field(default=None, ge=1, le=2_147_483_647, description="Moderators only")
    points: dict[Code, BallotPointsValue] | None = Field(default=None, max_length=200)
    choice: Code | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.points is None) == (self.choice is None):
            raise ValueError("send either points or choice")
        return self


class ImplementAs(StrEnum):
    ROADMAP = "roadmap"
    IMPROVEMENT_PROJECT = "improvement_project"


class SelectionCreate(RequestModel):
    """Select a project for implementation: it becomes a draft roadmap or an improvement project."""

    model_config = ConfigDict(extra="forbid")

    implement_as: ImplementAs
    life_situation: str | None = Field(default=None, min_length=1, max_length=500, description="For a roadmap")
    category: Category | None = Field(default=None, description="For an improvement project")

    @model_validator(mode="after")
    def _needs(self) -> Self:
        if self.implement_as is ImplementAs.ROADMAP and self.life_situation is None:
            raise ValueError("a roadmap needs life_situation")
        if self.implement_as is ImplementAs.IMPROVEMENT_PROJECT and self.category is None:
            raise ValueError("an improvement project needs category")
        return self


class EvaluationCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: int
    evaluator: Label
    evaluator_participant_id: int | None = Field(default=None, description="When a participant assesses a peer")
    role: EvaluatorRole
    score: Number = Field(ge=0, le=10, max_digits=4, decimal_places=2)
    comment: str | None = Field(default=None, max_length=2000)


# -- reads ------------------------------------------------------------------------------------


class SectionRead(BaseModel):
    id: int
    code: str
    title: str
    voting_mode: VotingMode
    opens_at: datetime
    closes_at: datetime
    max_total_points: int | None
    max_points_per_project: int | None
    top_n: int


class GroupRead(BaseModel):
    id: int
    name: str
    moderator: str
    section_id: int | None


class ParticipantRead(BaseModel):
    id: int
    name: str
    category: ParticipantCategory
    group_id: int | None


class ParticipantCreated(ParticipantRead):
    """The new participant, with what its group now breaks in the session's composition rules."""

    warnings: list[str]


class ProjectRead(BaseModel):
    id: int
    code: str
    title: str
    section_id: int
    group_id: int | None
    description: str | None
    selected: bool
    roadmap_id: int | None
    improvement_project_id: int | None
    status: ProjectStatus
    refinement_due: Day | None
    pilot_org_unit_codes: list[str] | None
    status_changed_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def refinement_overdue(self) -> bool:
        """In refinement past its deadline (UTC date)."""
        return refinement_overdue(self.status, self.refinement_due, datetime.now(UTC).date())


class SessionRead(BaseModel):
    id: int
    region_code: str
    held_on: Day | None
    theme: str
    organisers: list[str]
    ends_at: datetime | None
    created_by: str
    created_at: datetime


class SessionDetail(SessionRead):
    sections: list[SectionRead]
    groups: list[GroupRead]
    participants: list[ParticipantRead]
    projects: list[ProjectRead]


class BallotRead(BaseModel):
    id: int
    section_code: str
    participant_id: int
    points: dict[str, int]
    cast_at: datetime
    cast_via: str = Field(description="`voting_token`: the participant voted; `moderator`: keyed in for them")


class StandingRead(BaseModel):
    project_code: str
    title: str
    points: int
    ballots: int
    rank: int


class TieRead(BaseModel):
    rank: int
    points: int
    project_codes: list[str]


class SectionResultRead(BaseModel):
    """Standings by competition rank; the winners are the projects ranked within ``top_n`` (with
    points) — a tie across the cut keeps every tied project and sets ``tie_at_cutoff``."""

    section_code: str
    ballots_counted: int
    standings: list[StandingRead]
    top_n: int
    winners: list[str]
    tie_for_first: bool
    tie_at_cutoff: bool
    ties: list[TieRead]


class AssessmentRead(BaseModel):
    """A participant's mean score per evaluator role and overall (the mean of the role means)."""

    participant_id: int
    name: str
    category: ParticipantCategory
    mean_by_role: dict[EvaluatorRole, Number]
    overall: Number
    evaluations: int
