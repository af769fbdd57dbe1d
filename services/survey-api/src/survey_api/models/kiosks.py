from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.models.base import Base, utcnow
from zdrav_shared.orm import AwareDateTime


class Kiosk(Base):
    """A survey device bound to one campaign and one org unit. Only the SHA-256 of its opaque token
    is stored; the token itself is shown once, when the kiosk is registered."""

    __tablename__ = "kiosks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    campaign_code: Mapped[str] = mapped_column(String(64))
    org_unit_code: Mapped[str] = mapped_column(String(64))
    org_unit_path: Mapped[str] = mapped_column(String(1024))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    accepted_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
