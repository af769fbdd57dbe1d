from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base, Timestamped, utcnow
from zdrav_shared.orm import AwareDateTime

# Values, targets and bounds: exact decimals (NUMERIC on PostgreSQL), six places are ample for
# rates and thousand-rouble amounts; rounding for display happens only in the answers.
Amount = Numeric(20, 6)
Ratio = Numeric(6, 4)


class Indicator(Timestamped, Base):
    """An entry of the indicator catalogue: an ``input`` (values are entered) or a ``formula``.

    ``formula`` mirrors the latest row of ``indicator_formula_versions``; analytics pick the version in
    effect for each period, so a changed formula never rewrites the past.

    ``owner`` is the org unit whose admins may change the definition (``RU``: the federal centre, or a
    region's code: that region's own indicator, reported by its org units only). ``reporting_level``
    is the org-unit level values are entered at (null: any level). ``scale`` goes with
    ``aggregation = ratio``: values are numerator ÷ denominator × scale, and every roll-up is
    Σ numerator ÷ Σ denominator × scale.
    """

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    name_ru: Mapped[str] = mapped_column(String(1000))
    name_en: Mapped[str | None] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    formula: Mapped[str | None] = mapped_column(Text)
    aggregation: Mapped[str | None] = mapped_column(String(10))
    time_aggregation: Mapped[str | None] = mapped_column(String(10))
    scale: Mapped[Decimal | None] = mapped_column(Amount)
    reporting_level: Mapped[str | None] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(20))
    periodicity: Mapped[str] = mapped_column(String(10))
    precision: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(10), default="manual")
    # Which peer figure a pulled indicator takes (kpi_api.sources.rules): null for manual ones.
    source_metric: Mapped[str | None] = mapped_column(String(20))
    source_campaign: Mapped[str | None] = mapped_column(String(64))
    on_track_ratio: Mapped[Decimal] = mapped_column(Ratio)
    at_risk_ratio: Mapped[Decimal] = mapped_column(Ratio)
    declared_min: Mapped[Decimal | None] = mapped_column(Amount)
    declared_max: Mapped[Decimal | None] = mapped_column(Amount)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The national method's monitoring level (core, supplementary_mandatory, auxiliary) and its approval.
    monitoring_level: Mapped[str | None] = mapped_column(String(30))
    approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    control: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    share_form: Mapped[str | None] = mapped_column(String(10))
    cause_note_pct: Mapped[Decimal | None] = mapped_column(Amount)


class IndicatorFormulaVersion(Base):
    """One formula of a formula indicator and the first day it applies to (periods starting then or later)."""

    __tablename__ = "indicator_formula_versions"
    __table_args__ = (Index("ix_indicator_formula_versions_indicator", "indicator_id", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    formula: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
