from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.models.base import Base, Timestamped
from zdrav_shared.orm import AwareDateTime


class Campaign(Timestamped, Base):
    """A published questionnaire version deployed to org units for a date range and channels."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="RESTRICT"), index=True)
    questionnaire_code: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    channels: Mapped[list[str]] = mapped_column(JSON)
    life_situation: Mapped[str | None] = mapped_column(String(500))
    # self_assessment or monitoring; campaigns older than the field were monitoring.
    purpose: Mapped[str] = mapped_column(String(32), server_default="monitoring")
    minimum_sample: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)


class CampaignOrgUnit(Base):
    """An org unit a campaign is deployed to, with what kpi-api said about it at deployment:
    the materialised path (``/RU/RU-MUR/RU-MUR-MUR/MUR-GP1/``) for scoping and roll-ups, and the
    region's time zone for placing responses in local months."""

    __tablename__ = "campaign_org_units"
    __table_args__ = (Index("ix_campaign_org_units_org_unit_code", "org_unit_code"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    org_unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_unit_path: Mapped[str] = mapped_column(String(1024))
    timezone: Mapped[str] = mapped_column(String(64))
