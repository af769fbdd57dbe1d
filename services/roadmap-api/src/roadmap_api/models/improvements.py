"""Lean improvement projects: passport, stages and before/after metrics."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roadmap_api.models.base import Base, Timestamped, utcnow
from zdrav_shared.orm import AwareDateTime


class ImprovementProject(Timestamped, Base):
    __tablename__ = "improvement_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(64), index=True)
    pilot_org_unit_code: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(40))
    process: Mapped[str] = mapped_column(Text)
    problem: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text)
    team: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_project_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The organisation that carries the project out; its mo_operators update status, dates,
    # metrics and comments. ``org_unit_path`` is its lineage from kpi-api (scoping).
    org_unit_code: Mapped[str | None] = mapped_column(String(64), index=True)
    org_unit_path: Mapped[list[str] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="planned", server_default="planned")
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    leader: Mapped[str | None] = mapped_column(String(300))
    new_model_criteria: Mapped[list[str] | None] = mapped_column(JSON)
    passport_status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    passport_submitted_by: Mapped[str | None] = mapped_column(String(200))
    passport_submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    passport_approved_by: Mapped[str | None] = mapped_column(String(200))
    passport_approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    passport_approver_body: Mapped[str | None] = mapped_column(Text)
    passport_note: Mapped[str | None] = mapped_column(Text)


class ImprovementStage(Base):
    __tablename__ = "improvement_stages"
    __table_args__ = (UniqueConstraint("project_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("improvement_projects.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(30))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class ImprovementMetric(Base):
    __tablename__ = "improvement_metrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("improvement_projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(20))
    before: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    after: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    target: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))


class ImprovementComment(Base):
    __tablename__ = "improvement_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("improvement_projects.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
