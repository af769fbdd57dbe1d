from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from survey_api.common import CampaignPurpose, Channel
from survey_api.questionnaires.rules import QUESTIONNAIRE_CODE_PATTERN
from zdrav_shared.validation import RequestModel

CampaignCode = Annotated[str, StringConstraints(pattern=QUESTIONNAIRE_CODE_PATTERN, max_length=64)]
OrgUnitCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class CampaignCreate(RequestModel):
    """A questionnaire version deployed to org units for a date range and channels."""

    model_config = ConfigDict(extra="forbid")

    code: CampaignCode = Field(
        examples=["mur-2025-polyclinics"],
        description="kebab-case: lower-case Latin letters and digits in words joined by `-` (or `_`), "
        "starting with a letter, at most 64 characters",
    )
    questionnaire_code: str = Field(max_length=64, examples=["nsi-standard"])
    questionnaire_version: int | None = Field(
        default=None, ge=1, le=100_000, description="Default: the latest published"
    )
    org_unit_codes: list[OrgUnitCode] = Field(min_length=1, max_length=1000, examples=[["MUR-GP1", "MUR-MON-CGB"]])
    starts_on: date
    ends_on: date
    channels: list[Channel] = Field(min_length=1, max_length=4, examples=[["kiosk", "online", "paper"]])
    life_situation: str | None = Field(default=None, max_length=500)
    purpose: CampaignPurpose = Field(
        default=CampaignPurpose.MONITORING,
        description="`self_assessment` (the initial measurement before a roadmap) or `monitoring` (the ongoing one)",
    )
    minimum_sample: int = Field(default=30, ge=1, le=1_000_000, description="Below it, figures get sample_ok=false")
    status: CampaignStatus = Field(default=CampaignStatus.ACTIVE, description="`draft` or `active` at creation")


class CampaignUpdate(RequestModel):
    """Changes to a campaign; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    status: CampaignStatus | None = None
    ends_on: date | None = None
    life_situation: str | None = Field(default=None, max_length=500)
    purpose: CampaignPurpose | None = None
    minimum_sample: int | None = Field(default=None, ge=1, le=1_000_000)


class CampaignRead(BaseModel):
    code: str
    questionnaire_code: str
    questionnaire_version: int
    org_unit_codes: list[str]
    starts_on: date
    ends_on: date
    channels: list[Channel]
    life_situation: str | None
    purpose: CampaignPurpose
    minimum_sample: int
    status: CampaignStatus
    version: int
    created_at: datetime
    updated_at: datetime
