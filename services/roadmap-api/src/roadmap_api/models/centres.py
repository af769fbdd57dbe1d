"""The regional primary-care centre registry (региональный центр ПМСП): the centre, its members with
the polyclinics each curates, and the change notices owed to kpi-api's reporting calendar."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roadmap_api.models.base import Base, Timestamped, utcnow
from zdrav_shared.orm import AwareDateTime


class RegionalCentre(Timestamped, Base):
    """One centre per region. ``timezone`` is the region's (from kpi-api at creation): the date of a
    change of composition is the region's local date."""

    __tablename__ = "regional_centres"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ru: Mapped[str] = mapped_column(Text)
    host_org_code: Mapped[str | None] = mapped_column(String(64))
    act: Mapped[str | None] = mapped_column(Text)
    polyclinics_total: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class CentreMember(Timestamped, Base):
    """A member of the centre: ``main_job_here`` says whether the centre is the member's main job
    (основное место работы); ``main_job_place`` names the main job when it is elsewhere."""

    __tablename__ = "centre_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("regional_centres.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[str] = mapped_column(String(300))
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    medical_education: Mapped[bool] = mapped_column(Boolean)
    site_time_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    main_job_here: Mapped[bool | None] = mapped_column(Boolean)
    main_job_place: Mapped[str | None] = mapped_column(Text)
    polyclinic_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    polyclinics_verified: Mapped[bool] = mapped_column(Boolean, default=True)
    own_project: Mapped[str | None] = mapped_column(Text)
    improvement_project_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvement_projects.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)


class CentreNotice(Base):
    """The 3-working-day notice of a change of composition, owed to kpi-api as a report submission
    (``regional_centre_change``). One per centre and date of change: later changes of the same day
    join it. Kept until kpi-api acknowledged it (``status`` ``sent``); never deleted."""

    __tablename__ = "centre_notices"
    __table_args__ = (UniqueConstraint("centre_id", "event_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("regional_centres.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(String(64))
    event_date: Mapped[date] = mapped_column(Date)
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    due_at: Mapped[str | None] = mapped_column(String(40))
    submission_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
