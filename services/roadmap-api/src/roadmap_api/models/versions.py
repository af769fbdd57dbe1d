"""Approved versions of a roadmap's plan and the per-period reports of recurring tasks.

A roadmap's tasks are one live tree (the working plan: statuses, completions and current dates change
there). Each approval freezes that tree into a version: its KPIs and measures as JSON and one
``roadmap_version_tasks`` row per task in the plan, with the approved dates. Execution reads the plan
rows of the version in force on the date asked for and the live status of the tasks they name, so a
due date moved or a task cancelled after approval changes nothing until a revised version is
approved (``roadmap_api.execution``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roadmap_api.models.base import Base, utcnow
from zdrav_shared.orm import AwareDateTime


class RoadmapVersion(Base):
    """One version of a roadmap's plan: ``draft`` while edited, ``approved`` while in force,
    ``superseded`` once a later version is approved. ``effective_from`` is the approval's date in the
    region: from that day on the version is the one execution is measured against."""

    __tablename__ = "roadmap_versions"
    __table_args__ = (UniqueConstraint("roadmap_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    approved_by_governor: Mapped[str | None] = mapped_column(String(500))
    approved_by_agency: Mapped[str | None] = mapped_column(String(500))
    approval_document: Mapped[str | None] = mapped_column(String(500))
    effective_from: Mapped[date | None] = mapped_column(Date)
    kpis: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    measures: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class PlanTask(Base):
    """A task as an approved version has it. ``occurrence`` is ``""`` for the task's own row (its
    approved start and due dates) and a period code (``2025Q1``, ``2025``) for each occurrence of a
    recurring task. ``measured`` rows are the units execution counts: the task's own row for a
    one-off leaf, the occurrence rows for a recurring leaf; a task with subtasks is never measured
    itself."""

    __tablename__ = "roadmap_version_tasks"
    __table_args__ = (Index("ix_roadmap_version_tasks_task_id", "task_id"),)

    version_id: Mapped[int] = mapped_column(ForeignKey("roadmap_versions.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    occurrence: Mapped[str] = mapped_column(String(10), primary_key=True, default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    recurrence: Mapped[str] = mapped_column(String(10), default="once")
    measured: Mapped[bool] = mapped_column(Boolean, default=False)


class TaskReport(Base):
    """The confirmation that a recurring task was carried out in one of its periods (a quarter for
    an ongoing activity, a year for a yearly one), with the date it was done."""

    __tablename__ = "task_reports"
    __table_args__ = (UniqueConstraint("task_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    completed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
