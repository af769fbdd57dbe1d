"""Reporting obligations: report types (what is due, by which rule) and submissions (who reported when)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base, Timestamped
from zdrav_shared.orm import AwareDateTime


class ReportType(Timestamped, Base):
    """A report someone owes on a rule (``kpi_api.report_types.rules``): per period
    (``day_of_next_period`` with ``day``, ``months_after``) or after an event
    (``working_days_after_event`` with ``days``, ``months_after_event`` with ``months``).

    ``expected_level`` is the level of the org units that owe it (``region``: the region itself).
    """

    __tablename__ = "report_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ru: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(40))
    day: Mapped[int | None] = mapped_column(Integer)
    months_after: Mapped[int | None] = mapped_column(Integer)
    days: Mapped[int | None] = mapped_column(Integer)
    months: Mapped[int | None] = mapped_column(Integer)
    roll_forward: Mapped[bool] = mapped_column(Boolean, default=False)
    periodicity: Mapped[str | None] = mapped_column(String(10))
    expected_level: Mapped[str] = mapped_column(String(20), default="region")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ReportSubmission(Timestamped, Base):
    """One obligation of one org unit: a report type for a period, or after an event on
    ``event_date``. ``obligation`` is the period code or the event date (ISO), the key of the upsert.

    ``due_date`` is the last day (local), ``due_at`` the first late instant (UTC) in ``timezone``,
    both fixed when the obligation was recorded: a later change of the rule does not move them.
    ``submitted_at`` null = still open.
    """

    __tablename__ = "report_submissions"
    __table_args__ = (
        UniqueConstraint("report_type_id", "org_unit_id", "obligation", name="uq_report_submissions_type_unit_key"),
        Index("ix_report_submissions_type_period", "report_type_id", "period"),
        Index("ix_report_submissions_type_event", "report_type_id", "event_date"),
        Index("ix_report_submissions_org_unit_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_type_id: Mapped[int] = mapped_column(ForeignKey("report_types.id", ondelete="RESTRICT"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    obligation: Mapped[str] = mapped_column(String(10))
    period: Mapped[str | None] = mapped_column(String(8))
    event_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(AwareDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(200))
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    # When report.deadline_missed was written for this obligation (webhooks; once per obligation).
    missed_notified_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
