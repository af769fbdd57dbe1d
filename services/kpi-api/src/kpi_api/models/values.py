from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base, Timestamped, utcnow
from kpi_api.models.indicators import Amount
from zdrav_shared.orm import AwareDateTime


class IndicatorValue(Timestamped, Base):
    """A reported value of an input indicator for one org unit and period.

    ``year`` and ``end_month`` (the period's last month, 1–12) are stored beside the period code so
    that a quarter, a year or a year-to-date window is one indexed range over the finer values (on
    PostgreSQL an index-only one: the index includes what analytics reads of a value).

    Ratio inputs keep the ``numerator`` and ``denominator`` the value was computed from (roll-ups sum
    them). ``entered_by`` is who last changed the figure and ``submitted_by`` who submitted it: neither
    may approve it (four eyes). ``version`` changes with every write and is compared in the same
    UPDATE statement that writes (compare-and-set).
    """

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator_id", "period", "org_unit_id", name="uq_indicator_values_indicator_period_unit"),
        # The value rides in the window index so that analytics aggregates a window from the index alone.
        Index(
            "ix_indicator_values_window",
            "indicator_id",
            "year",
            "end_month",
            "org_unit_id",
            postgresql_include=["value", "status", "numerator", "denominator"],
        ),
        Index("ix_indicator_values_org_unit_id", "org_unit_id", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="RESTRICT"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(8))
    period_type: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    end_month: Mapped[int] = mapped_column(Integer)
    # NULL exactly when ``state`` says why there is no number (never 0 in its place).
    value: Mapped[Decimal | None] = mapped_column(Amount)
    state: Mapped[str | None] = mapped_column(String(20))
    numerator: Mapped[Decimal | None] = mapped_column(Amount)
    denominator: Mapped[Decimal | None] = mapped_column(Amount)
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    outlier: Mapped[bool] = mapped_column(Boolean, default=False)
    outlier_reason: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    late: Mapped[bool | None] = mapped_column(Boolean)
    approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(200))
    entered_by: Mapped[str | None] = mapped_column(String(200))
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class AuditEvent(Base):
    """Append-only trail of every change to a value, a target or a definition (an indicator, a
    deadline rule): who, when, before, after, why."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


class DeadlineRuleSetting(Base):
    """An owner's override of the default reporting deadline of one periodicity (see reporting_calendar).

    ``owner`` ``RU`` overrides the national rule; a region's code sets that region's own deadline,
    which its org units' values are judged by instead. A removed rule stays as a row with ``active``
    false, so that its history keeps one id.
    """

    __tablename__ = "deadline_rules"
    __table_args__ = (UniqueConstraint("owner", "periodicity", name="uq_deadline_rules_owner_periodicity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    periodicity: Mapped[str] = mapped_column(String(10))
    day_of_month: Mapped[int] = mapped_column(Integer)
    months_after: Mapped[int] = mapped_column(Integer)
    working_days: Mapped[bool] = mapped_column(Boolean, default=False)
    roll_forward: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
