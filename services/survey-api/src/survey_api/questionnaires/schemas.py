from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from survey_api.questionnaires.rules import Question, QuestionnaireCode, Text


class QuestionnaireStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class QuestionnaireCreate(BaseModel):
    """A new questionnaire; it starts as draft version 1."""

    model_config = {"extra": "forbid"}

    code: QuestionnaireCode = Field(examples=["cardio-route"])
    title_ru: Text
    title_en: Text | None = None
    questions: list[Question] = Field(min_length=1, max_length=200)


class QuestionnaireUpdate(BaseModel):
    """Changes to a draft version; omitted fields stay as they are."""

    model_config = {"extra": "forbid"}

    title_ru: Text | None = None
    title_en: Text | None = None
    questions: list[Question] | None = Field(default=None, min_length=1, max_length=200)


class QuestionnaireRead(BaseModel):
    code: str
    version: int
    status: QuestionnaireStatus
    title_ru: str
    title_en: str | None
    questions: list[Question]
    revision: int = Field(description="Bumped by each edit of a draft; the ETag")
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
