from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base


class ValueGeneration(Base):
    """How many committed transactions have changed the values of an indicator in a year inside one
    region (``region_path``: the first two levels of a unit's path, ``/RU/RU-MOW/``; the federation's own
    values count under ``/RU/``). Bumped in the writing transaction, just before it commits; never
    decreases. A cached aggregate is valid while the generations it was read at are unchanged."""

    __tablename__ = "value_generations"

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    region_path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)


class CachedAggregate(Base):
    """One indicator aggregated over one root's subtree in one window, as analytics computed it from the
    values (``units`` 0: no value there), with the sum of the generations it was computed at.

    ``methods`` is how it was aggregated (``over_units|over_time|level``), so that a changed definition
    reads a different key. ``statuses`` the statuses read (comma-separated, sorted; ``*`` for all). The
    figures are kept as the exact decimal text the database computed: a NUMERIC column of fixed scale
    would round an average a second time before analytics rounds it to the indicator's precision."""

    __tablename__ = "aggregate_cache"

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    root_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    statuses: Mapped[str] = mapped_column(String(64), primary_key=True)
    methods: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int] = mapped_column(Integer)
    value: Mapped[str | None] = mapped_column(String(80))
    numerator: Mapped[str | None] = mapped_column(String(80))
    denominator: Mapped[str | None] = mapped_column(String(80))
