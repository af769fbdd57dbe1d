from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from survey_api.common import Channel, EnteredBy
from survey_api.questionnaires.rules import QUESTIONNAIRE_CODE_PATTERN
from zdrav_shared.validation import RequestModel

CODE_MAX_LENGTH = 64


def _representable_in_utc(value: datetime) -> datetime:
    # 0001-01-01T00:00+01:00 is a valid ISO instant but falls before year 1 in UTC, where every
    # stored instant lives: without this it would reach the hash and the row as an OverflowError.
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant falls outside the years 1–9999 in UTC") from None
    return value


SubmittedAt = Annotated[AwareDatetime, AfterValidator(_representable_in_utc)]


class ResponseStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class BatchItem(RequestModel):
    """One kiosk response. ``campaign_code`` / ``org_unit_code`` are optional; when sent they must be
    the kiosk's own."""

    id: UUID = Field(description="Chosen by the kiosk; a resend with the same id is a duplicate")
    submitted_at: SubmittedAt = Field(description="The device clock, with offset")
    answers: dict[str, Any] = Field(examples=[{"q1_process": "yes", "nps": 9, "comment": "Спасибо"}])
    campaign_code: str | None = Field(default=None, max_length=CODE_MAX_LENGTH)
    org_unit_code: str | None = Field(default=None, max_length=CODE_MAX_LENGTH)


class ResponseBatch(RequestModel):
    responses: list[BatchItem] = Field(description="Up to 1000 responses")
    campaign_code: str | None = Field(default=None, max_length=CODE_MAX_LENGTH)
    org_unit_code: str | None = Field(default=None, max_length=CODE_MAX_LENGTH)


class ItemResult(BaseModel):
    id: str | None = Field(description="The item's id as sent (null when it was missing or not a string)")
    status: ResponseStatus
    problem: dict[str, Any] | None = Field(default=None, description="For rejected items: a problem+json object")


class BatchResult(BaseModel):
    results: list[ItemResult] = Field(description="One per item, in the order sent")


class ResponseCreate(RequestModel):
    """One response entered by an online form, a phone operator or staff keying in a paper form."""

    model_config = ConfigDict(extra="forbid")

    id: UUID
    # The campaign code's own format (kebab-case): anything else cannot name a campaign, and must not reach
    # the database as a lookup (PostgreSQL refuses a NUL in text with an error, not an empty result).
    campaign_code: str = Field(
        max_length=CODE_MAX_LENGTH,
        pattern=QUESTIONNAIRE_CODE_PATTERN,
        description="The campaign's code: kebab-case, lower-case Latin letters and digits (`mur-2025q2`)",
    )
    org_unit_code: str = Field(max_length=CODE_MAX_LENGTH)
    channel: Channel = Field(description="`paper`: a paper form keyed in by staff")
    submitted_at: SubmittedAt = Field(description="When the respondent answered (for paper: the date on the form)")
    answers: dict[str, Any]
    entered_by: EnteredBy | None = Field(
        default=None,
        description="Who typed the answers in. Default by channel: kiosk and online → respondent, "
        "phone and paper → operator",
    )


class ResponseReceipt(BaseModel):
    id: UUID
    status: ResponseStatus
    received_at: datetime | None = None
    clock_skew: str | None = Field(default=None, description="none, future or too_old (then received_at is used)")
    period: str | None = Field(default=None, description="The local month the response counts in")
    entered_by: EnteredBy | None = None
    screened_out: bool | None = Field(
        default=None, description="True: the screening answer was «no»; stored, but in no aggregate"
    )
