"""Roadmaps: KPIs, measures, the task tree, comments and the change journal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from roadmap_api.models.base import Base, Timestamped, utcnow
from zdrav_shared.orm import AwareDateTime


class Roadmap(Timestamped, Base):
    """A region's roadmap for one life situation. ``timezone`` is the region's, kept from kpi-api at
    creation so that "today" for completion dates is the region's local date without a peer call.

    ``version`` is the row's concurrency version (the ETag): every write is a compare-and-set on it
    (``version_id_col``: the UPDATE says ``WHERE id = :id AND version = :read``). The approved plans
    are numbered separately in ``roadmap_versions``: ``plan_version`` is the one in force (null until
    the first approval) and ``draft_version`` the one being edited (1 for a new roadmap, n + 1 while
    a revision is open, null otherwise). ``approved_by``/``approved_at`` are those of the latest
    approval."""

    __tablename__ = "roadmaps"
    __table_args__ = (Index("ix_roadmaps_region_code_status", "region_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    life_situation: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    source_project_id: Mapped[int | None] = mapped_column(Integer, doc="strategic-session project it came from")
    plan_version: Mapped[int | None] = mapped_column(Integer)
    draft_version: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class RoadmapKpi(Base):
    """A KPI linked to a roadmap by indicator code (the indicator lives in kpi-api)."""

    __tablename__ = "roadmap_kpis"
    __table_args__ = (UniqueConstraint("roadmap_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(64))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    target: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    target_period: Mapped[str] = mapped_column(String(10))


class Measure(Timestamped, Base):
    """A solution to a named problem, with its causes and the best practices it uses."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"), index=True)
    problem: Mapped[str] = mapped_column(Text)
    causes: Mapped[list[str]] = mapped_column(JSON, default=list)
    solution: Mapped[str] = mapped_column(Text)
    best_practices: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The method's template (Приложение 2): "(Ф)" — needs a federal decision — with the proposals
    # for the federal roadmap, reused assets (готовые наработки) and catalogue best practices.
    federal_level: Mapped[bool] = mapped_column(default=False, server_default=false())
    federal_proposals: Mapped[list[str] | None] = mapped_column(JSON)
    reused_assets: Mapped[list[str] | None] = mapped_column(JSON)
    best_practice_codes: Mapped[list[str] | None] = mapped_column(JSON)


class Task(Timestamped, Base):
    """A node of a roadmap's tree activity → task → subtask: the working plan. The approved dates
    live in the plan rows of each approved version (``roadmap_version_tasks``), not here.

    ``org_unit_path`` is the lineage of ``org_unit_code`` as kpi-api gave it when the org unit was
    set, ``/RU/RU-MUR/…/MUR-GP1/``: an ``mo_operator`` scoped to any code on it sees and updates the
    task (a LIKE on the path, in the query). ``responsible`` is the contract's free label;
    ``responsible_bodies`` the bodies one by one. ``recurrence`` says how the task is measured
    (see ``roadmap_api.execution.plan``). ``version`` is the concurrency version (compare-and-set,
    like ``Roadmap.version``)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_roadmap_id_due_date", "roadmap_id", "due_date"),
        Index("ix_tasks_responsible", "responsible"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="RESTRICT"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(1000))
    expected_result: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    recurrence: Mapped[str] = mapped_column(String(10), default="once")
    responsible: Mapped[str] = mapped_column(String(300))
    responsible_bodies: Mapped[list[str]] = mapped_column(JSON, default=list)
    co_assignees: Mapped[list[str]] = mapped_column(JSON, default=list)
    org_unit_code: Mapped[str | None] = mapped_column(String(64), index=True)
    org_unit_path: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    completed_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    progress_pct: Mapped[int | None] = mapped_column(SmallInteger)
    actual_result: Mapped[str | None] = mapped_column(Text)
    # The due date a task.overdue webhook event was written for (a postponed task that runs late
    # again is announced again); not part of the task's concurrency version.
    overdue_notified_for: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class TaskComment(Base):
    __tablename__ = "task_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class JournalEntry(Base):
    """One field-level change (DESIGN §5: who, when, before, after)."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_task_id", "task_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
