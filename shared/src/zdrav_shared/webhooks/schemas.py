"""Request and answer bodies of ``/v1/webhooks``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from zdrav_shared.validation import RequestModel


class WebhookCreate(RequestModel):
    """A subscription: where to POST, which events, and the secret that signs them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.minzdrav.example/zdrav",
                    "events": ["value.approved"],
                    "secret": "a-long-random-shared-secret",
                }
            ]
        },
    )

    url: str = Field(min_length=8, max_length=2000, description="http(s) URL; private addresses only if allowed")
    events: list[str] = Field(min_length=1, max_length=20, description="Event names this service emits")
    secret: str = Field(
        min_length=16, max_length=200, description="Signs each body: X-Zdrav-Signature: sha256=<hex HMAC-SHA256>"
    )
    owner: str | None = Field(
        default=None, max_length=64, description="RU (federal) or a region code; default: the caller's own"
    )


class WebhookRead(BaseModel):
    """A subscription as stored (the secret is never returned)."""

    id: int
    url: str
    events: list[str]
    owner: str = Field(description="Receives the events of this org unit's subtree")
    active: bool
    created_by: str
    created_at: datetime


class DeliveryRead(BaseModel):
    """One delivery of one event to one subscription, with its attempts."""

    delivery_id: str
    event: str
    subject: str
    status: str = Field(description="pending, delivered or failed (given up after the retry window)")
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="When a pending delivery is tried next")
    delivered_at: datetime | None
    replay_of: str | None = None
