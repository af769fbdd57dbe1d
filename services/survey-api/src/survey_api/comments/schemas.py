from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class CommentRead(BaseModel):
    """The free-text answers of one response, with e-mails and phone numbers masked."""

    response_id: UUID
    org_unit_code: str
    channel: str
    period: str = Field(description="The local month the response counts in")
    answered_at: datetime = Field(description="submitted_at, or received_at when the device clock was off")
    texts: dict[str, str] = Field(examples=[{"comment": "Долго ждал, перезвоните [phone]"}])
