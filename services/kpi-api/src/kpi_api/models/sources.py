from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base
from kpi_api.models.indicators import Amount
from zdrav_shared.orm import AwareDateTime


class SourceValue(Base):
    """A value pulled from survey-api or roadmap-api for an indicator, an org unit (its subtree, as
    the peer rolled it up from counts) and a period, kept with the counts behind it.

    ``numerator`` ÷ ``denominator`` × 100 = ``value`` (satisfied ÷ answered, promoters − detractors ÷
    answered, completed ÷ due tasks); ``n`` is the survey's sample (or the tasks due) and
    ``data_as_of`` when the peer was read. A refresh overwrites the row.
    """

    __tablename__ = "source_values"
    __table_args__ = (
        UniqueConstraint("indicator_id", "org_unit_id", "period", name="uq_source_values_indicator_unit_period"),
        Index("ix_source_values_org_unit_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    value: Mapped[Decimal | None] = mapped_column(Amount)
    numerator: Mapped[Decimal | None] = mapped_column(Amount)
    denominator: Mapped[Decimal | None] = mapped_column(Amount)
    n: Mapped[int | None] = mapped_column(Integer)
    # Survey satisfaction: answers dont_know to q1_process, kept out of the denominator (shown beside it).
    dont_know: Mapped[int | None] = mapped_column(Integer)
    sample_ok: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(100))
    data_as_of: Mapped[datetime] = mapped_column(AwareDateTime())
