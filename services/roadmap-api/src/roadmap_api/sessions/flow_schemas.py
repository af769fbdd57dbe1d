"""Schemas of how sessions were run: voting tokens, observers, the end of a session, composition
rules, the after-selection pipeline and the session KPIs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from roadmap_api.common import Code, Day, Label
from roadmap_api.sessions.pipeline import ProjectStatus
from roadmap_api.sessions.schemas import ParticipantCategory
from zdrav_shared.validation import RequestModel


class VotingTokenCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    sections: list[Code] | None = Field(
        default=None, max_length=100, description="Limit the token to these sections; default: every section"
    )


class VotingTokenRead(BaseModel):
    """The token is shown only here; send it as `Authorization: Bearer <token>` when voting."""

    token: str
    session_id: int
    participant_id: int
    sections: list[str] | None
    expires_at: datetime | None = Field(description="When the session ends as known now (null: not yet known)")


class ObserverCreate(RequestModel):
    """Kept as "name (organisation)", at most 300 characters together."""

    model_config = ConfigDict(extra="forbid")

    name: Label
    organisation: Label | None = None

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.organisation and len(self.name) + len(self.organisation) + 3 > 300:
            raise ValueError("name and organisation together take at most 297 characters")
        return self


class ObserverRead(BaseModel):
    id: int
    name: str
    issued_at: datetime
    revoked_at: datetime | None


class ObserverCreated(ObserverRead):
    """The observer's read-only token, shown only here."""

    token: str
    session_id: int


class SessionEndRead(BaseModel):
    session_id: int
    ends_at: datetime


class CategoryRuleIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    category: ParticipantCategory
    min: int | None = Field(default=None, ge=0, le=1000)
    max: int | None = Field(default=None, ge=0, le=1000)

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError("max is below min")
        return self


class CompositionRulesIn(RequestModel):
    """Per-category limits and the size of every working group of the session."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "categories": [
                        {"category": "chief_physician", "min": 7, "max": 7},
                        {"category": "ministry", "min": 1, "max": 1},
                        {"category": "insurance_fund", "min": 1, "max": 1},
                        {"category": "college", "min": 1, "max": 1},
                    ],
                    "group_size_min": 10,
                    "group_size_max": 10,
                }
            ]
        },
    )

    categories: list[CategoryRuleIn] = Field(default_factory=list, max_length=20)
    group_size_min: int | None = Field(default=None, ge=1, le=1000)
    group_size_max: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _sizes(self) -> Self:
        if self.group_size_min and self.group_size_max and self.group_size_max < self.group_size_min:
            raise ValueError("group_size_max is below group_size_min")
        if len({c.category for c in self.categories}) != len(self.categories):
            raise ValueError("a category is given twice")
        return self


class GroupComposition(BaseModel):
    group_id: int
    name: str
    size: int
    counts: dict[str, int]
    warnings: list[str]


class CompositionRead(BaseModel):
    """Each working group against the rules (``default_rules``: the session set none, so one chief
    physician per group applies). Warnings never block anything."""

    session_id: int
    default_rules: bool
    rules: CompositionRulesIn
    ok: bool
    groups: list[GroupComposition]
    participants_without_group: int
    warnings: list[str]


class ProjectStatusChange(RequestModel):
    model_config = ConfigDict(extra="forbid")

    status: ProjectStatus
    refinement_due: Day | None = Field(default=None, description="Required for `refinement`")
    pilot_org_unit_codes: list[Code] | None = Field(
        default=None, max_length=200, description="Pilot sites, required for `pilot`"
    )
    reason: str | None = Field(default=None, max_length=2000, description="Kept in the audit trail")


class SessionFigures(BaseModel):
    session_id: int
    theme: str
    held_on: date | None
    held: bool
    participants: int
    projects_formed: int
    projects_selected: int


class SessionKpisRead(BaseModel):
    """The goal indicators of a session programme, counted from the records: sessions held,
    their participants, projects formed in them and projects selected for implementation."""

    region_code: str
    year: int | None
    sessions_held: int
    participants: int
    projects_formed: int
    projects_selected: int
    sessions: list[SessionFigures]
