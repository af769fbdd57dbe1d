"""The federal centre's New-model (lean polyclinic) report: one report per region (or the federation)
and report date, its cells per table, row type and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base, Timestamped
from kpi_api.models.indicators import Amount


class LeanReport(Timestamped, Base):
    __tablename__ = "lean_reports"
    __table_args__ = (UniqueConstraint("org_unit_id", "as_of", name="uq_lean_reports_unit_as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    as_of: Mapped[date] = mapped_column(Date, index=True)
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class LeanReportCell(Base):
    """A number (``value``), or a share entered with its counts (``numerator`` of ``denominator``,
    ``value`` = their ratio × 100). "x" cells are never stored."""

    __tablename__ = "lean_report_cells"
    __table_args__ = (
        UniqueConstraint("report_id", "table_no", "row_type", "col", name="uq_lean_report_cells_cell"),
        Index("ix_lean_report_cells_cell", "table_no", "row_type", "col"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("lean_reports.id", ondelete="CASCADE"))
    table_no: Mapped[int] = mapped_column(Integer)
    row_type: Mapped[str] = mapped_column(String(30))
    col: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal | None] = mapped_column(Amount)
    numerator: Mapped[Decimal | None] = mapped_column(Amount)
    denominator: Mapped[Decimal | None] = mapped_column(Amount)
