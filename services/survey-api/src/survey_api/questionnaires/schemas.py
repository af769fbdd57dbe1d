from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from survey_api.questionnaires.rules import Question, QuestionnaireCode, Text
from zdrav_shared.ownership import DefinitionChange
from zdrav_shared.validation import RequestModel

OwnerCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class QuestionnaireStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class QuestionnaireCreate(RequestModel):
    """A new questionnaire; it starts as draft version 1."""

    model_config = ConfigDict(extra="forbid")

    code: QuestionnaireCode = Field(examples=["cardio-route"])
    title_ru: Text
    title_en: Text | None = None
    questions: list[Question] = Field(min_length=1, max_length=200)
    owner: OwnerCode | None = Field(
        default=None,
        description="Who may change it: `RU` (federal) or a region's code. Default: the caller's own — "
        "the federation for `federal`, its region for a `regional_admin` scoped to one region",
        examples=["RU-MUR"],
    )
    reason: Reason | None = Field(default=None, description="Why: kept in the questionnaire's history")


class QuestionnaireUpdate(RequestModel):
    """Changes to a draft version; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title_ru: Text | None = None
    title_en: Text | None = None
    questions: list[Question] | None = Field(default=None, min_length=1, max_length=200)
    reason: Reason | None = Field(default=None, description="Why: kept in the questionnaire's history")


class QuestionnaireChangeReason(RequestModel):
    """The optional body of a write without other input (new version, publish)."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = Field(default=None, description="Why: kept in the questionnaire's history")


class QuestionnaireRead(BaseModel):
    code: str
    version: int
    status: QuestionnaireStatus
    owner: str = Field(description="Who may change it: `RU` (federal) or a region's code", examples=["RU"])
    title_ru: str
    title_en: str | None
    questions: list[Question]
    revision: int = Field(description="Bumped by each edit of a draft; the ETag")
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class QuestionnaireChange(DefinitionChange):
    """One audited write of a questionnaire (``before`` / ``after``: the version as it was and became)."""

    version: int | None = Field(description="The version the write touched", examples=[2])
