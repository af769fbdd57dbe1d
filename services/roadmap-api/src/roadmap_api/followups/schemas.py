"""Bodies of ``/v1/followups``: the detractor as survey-api's ``response.detractor`` event carries it,
a follow-up as stored, and the completion."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from roadmap_api.followups.rules import FollowupStatus, Target
from zdrav_shared.validation import RequestModel

DETRACTOR_EVENT = "response.detractor"


class DetractorIn(RequestModel):
    """The ``data`` of a ``response.detractor`` event (survey_api.webhooks.events); other fields a
    newer survey-api adds are ignored."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "response_id": "0f8e5a52-8d2c-4d5e-9a51-4f3b0c6e2a11",
                    "campaign_code": "NPS-2026",
                    "org_unit_code": "MUR-GP1",
                    "channel": "kiosk",
                    "nps": 3,
                    "comment": "Очередь в регистратуру 40 минут",
                    "submitted_at": "2026-07-06T08:15:00+03:00",
                }
            ]
        },
    )

    response_id: str = Field(min_length=1, max_length=64)
    campaign_code: str = Field(min_length=1, max_length=64)
    org_unit_code: str = Field(min_length=1, max_length=64)
    channel: str | None = Field(default=None, max_length=20)
    nps: int = Field(ge=0, le=10)
    comment: str | None = Field(default=None, max_length=10_000, description="Masked by survey-api")
    submitted_at: AwareDatetime


class DetractorDelivery(RequestModel):
    """A webhook delivery of survey-api: ``{event, delivery_id, occurred_at, data}``."""

    model_config = ConfigDict(extra="ignore")

    event: str = Field(max_length=64)
    delivery_id: str = Field(max_length=64)
    occurred_at: AwareDatetime
    data: DetractorIn


class FollowupComplete(RequestModel):
    """Mark the follow-up done now; ``resolution`` says what was done (kept with it)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"resolution": "Позвонили пациенту, открыли второе окно"}]}
    )

    resolution: str | None = Field(default=None, max_length=5000)


class FollowupRead(BaseModel):
    """A follow-up: the detractor, where the work went, and how it stands."""

    id: int
    response_id: str
    campaign_code: str
    org_unit_code: str
    region_code: str
    channel: str | None
    nps: int
    comment: str
    submitted_at: datetime
    due_date: date = Field(description="2 working days after the submission (Russian production calendar)")
    target: Target = Field(description="improvement_project, roadmap (a task) or unassigned")
    improvement_project_id: int | None
    roadmap_id: int | None
    task_id: int | None
    status: FollowupStatus
    done_at: datetime | None = Field(description="When its work was marked done")
    within_48h: bool | None = Field(description="Done within 48 h of the submission; null while open")
    overdue: bool = Field(description="Open past its due date (the region's local date)")
    resolution: str | None
    via: str = Field(description="webhook or service")
    created_at: datetime


class DetractorReceipt(BaseModel):
    """What a delivery did: ``opened`` a follow-up, found the ``existing`` one (a redelivery or
    replay), or was ``ignored`` (no comment, or not a detractor: nothing to answer)."""

    outcome: Literal["opened", "existing", "ignored"]
    reason: str | None = None
    followup: FollowupRead | None = None
