"""Population figures of org units by date (attached or resident), the denominators of per-capita
indicators (the built-in inputs ``POPULATION_ATTACHED`` and ``POPULATION_RESIDENT``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base, Timestamped
from kpi_api.models.indicators import Amount


class OrgUnitPopulation(Timestamped, Base):
    __tablename__ = "org_unit_populations"
    __table_args__ = (UniqueConstraint("org_unit_id", "kind", "as_of", name="uq_org_unit_populations_unit_kind_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Amount)
    source: Mapped[str | None] = mapped_column(String(500))
    updated_by: Mapped[str] = mapped_column(String(200))
