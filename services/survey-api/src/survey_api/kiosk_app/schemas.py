"""What a kiosk app learns about itself from its token."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from survey_api.questionnaires.rules import QuestionnaireDefinition


class AnswerLabel(BaseModel):
    code: str = Field(examples=["rather_yes"])
    label_ru: str = Field(examples=["Скорее да"])
    label_en: str | None = None


class FormLabels(BaseModel):
    """Labels a form shows for answers that questions do not list themselves."""

    satisfaction5: list[AnswerLabel]
    screening: list[AnswerLabel] = Field(description="Answers of a screening question, asked first")
    free_text_max_length: int


class KioskSetup(BaseModel):
    """Everything a kiosk needs to show its form offline: its binding and the questionnaire."""

    kiosk_id: str
    campaign_code: str
    campaign_status: str = Field(description="A kiosk can post only while the campaign is active")
    starts_on: date
    ends_on: date
    org_unit_code: str
    questionnaire: QuestionnaireDefinition
    labels: FormLabels
    batch_max_items: int = Field(description="At most this many responses per POST /v1/responses/batch")
