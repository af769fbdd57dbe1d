from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base, Timestamped
from kpi_api.models.indicators import Amount
from zdrav_shared.orm import AwareDateTime


class Target(Timestamped, Base):
    """The baseline and target of an indicator for one org unit and a year (or a quarter).

    A target is one number (``target``) or a range (``target_low``–``target_high``, achieved inside it:
    the Murmansk "4-14"); ``note`` keeps what the source printed when it is neither. ``kind`` is the
    programme's word for it (plan, long_term, threshold). ``baseline_year`` and ``baseline_calc`` (the
    printed calculation) stand beside the baseline. Once approved (``approved_at``) a target is locked:
    changing it needs a reopen with a reason.
    """

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("indicator_id", "org_unit_id", "period", name="uq_targets_indicator_unit_period"),
        Index("ix_targets_org_unit_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(8))
    period_type: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[Decimal | None] = mapped_column(Amount)
    target: Mapped[Decimal | None] = mapped_column(Amount)
    target_low: Mapped[Decimal | None] = mapped_column(Amount)
    target_high: Mapped[Decimal | None] = mapped_column(Amount)
    kind: Mapped[str] = mapped_column(String(12), default="plan", server_default="plan")
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_calc: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class CauseNote(Timestamped, Base):
    """The factor analysis ("анализ факторов") of a deviation from target: one per indicator, org unit
    and period, required in analytics when the deviation passes the indicator's ``cause_note_pct``."""

    __tablename__ = "cause_notes"
    __table_args__ = (
        UniqueConstraint("indicator_id", "org_unit_id", "period", name="uq_cause_notes_indicator_unit_period"),
        Index("ix_cause_notes_org_unit_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(200))
