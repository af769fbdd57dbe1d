"""Detractor follow-ups: a patient's NPS 0–6 with a comment, and the work it opened."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roadmap_api.models.base import Base, Timestamped
from zdrav_shared.orm import AwareDateTime


class Followup(Timestamped, Base):
    """One detractor's follow-up. ``response_id`` is unique: a webhook redelivered, replayed or sent
    by two workers at once opens one follow-up (the insert that loses the race reads the winner's).

    ``target`` says where the work went: ``improvement_project`` (the org unit's open lean project:
    the follow-up itself is the task, commented on the project), ``roadmap`` (a task on the region's
    approved roadmap, ``task_id``; its status is the follow-up's) or ``unassigned`` (neither exists:
    kept and visible, never dropped). ``submitted_on`` is the submission's date in the region's time
    zone (the period a follow-up belongs to); ``completed_at`` the instant it was marked done through
    ``/v1/followups/{id}/complete`` (a roadmap task done through ``/v1/tasks`` is read from its journal)."""

    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_region_code_submitted_on", "region_code", "submitted_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_code: Mapped[str] = mapped_column(String(64))
    org_unit_code: Mapped[str] = mapped_column(String(64), index=True)
    org_unit_path: Mapped[str] = mapped_column(String(400))
    region_code: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(20))
    nps: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(AwareDateTime())
    submitted_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    target: Mapped[str] = mapped_column(String(24))
    improvement_project_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvement_projects.id", ondelete="SET NULL")
    )
    roadmap_id: Mapped[int | None] = mapped_column(ForeignKey("roadmaps.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(20))
    delivery_id: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(200))
    resolution: Mapped[str | None] = mapped_column(Text)
