"""Escalations: a problem thread on a polyclinic or an improvement project, raised from the regional
centre to the regional ministry and on to the federal centre."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roadmap_api.models.base import Base, Timestamped, utcnow
from zdrav_shared.orm import AwareDateTime


class Escalation(Timestamped, Base):
    """``level`` is the body now holding the thread; ``org_unit_path`` is the lineage that scopes who
    may see it (the polyclinic's path, or the region's for a project without an organisation)."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_region_status", "region_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(64))
    subject_kind: Mapped[str] = mapped_column(String(30))
    org_unit_code: Mapped[str | None] = mapped_column(String(64))
    org_unit_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    improvement_project_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvement_projects.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class EscalationEvent(Base):
    """One step of the thread: opened, comment, raised, answered, resolved — who, as what, when."""

    __tablename__ = "escalation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    actor_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
