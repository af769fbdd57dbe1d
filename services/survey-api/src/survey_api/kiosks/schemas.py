from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from zdrav_shared.validation import RequestModel


class KioskCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    campaign_code: str = Field(max_length=64, examples=["mur-2025-polyclinics"])
    org_unit_code: str = Field(max_length=64, examples=["MUR-GP1"])
    name: str = Field(min_length=1, max_length=200, examples=["Холл 1 этажа"])


class KioskRead(BaseModel):
    id: str
    campaign_code: str
    org_unit_code: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    accepted_count: int
    duplicate_count: int
    rejected_count: int


class KioskCreated(KioskRead):
    token: str = Field(description="The kiosk's bearer token; shown only in this answer, stored hashed")
