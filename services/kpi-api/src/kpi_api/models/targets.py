from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base, Timestamped
from kpi_api.models.indicators import Amount


class Target(Timestamped, Base):
    """The baseline and target of an indicator for one org unit and a year (or a quarter).

    ``note`` keeps what the source printed when it is not a number (the Murmansk "4-14" range);
    ``target`` is then null and the status is ``no_target``.
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
    note: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
