from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kpi_api.models.base import Base, Timestamped


class OrgUnit(Timestamped, Base):
    """One node of the hierarchy federation → region → municipality → organisation → subdivision.

    ``path`` is the materialised path of codes (``/RU/RU-MUR/RU-MUR-MON/``) so that a subtree is one
    indexed prefix match in SQL, on SQLite and PostgreSQL alike.
    """

    __tablename__ = "org_units"
    # varchar_pattern_ops lets PostgreSQL use the index for the prefix LIKE of subtree queries.
    __table_args__ = (Index("ix_org_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ru: Mapped[str] = mapped_column(String(500))
    name_en: Mapped[str | None] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str | None] = mapped_column(String(64))
    rural: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who runs it (regional, municipal, federal, private), apart from where it is.
    subordination: Mapped[str | None] = mapped_column(String(20), index=True)
    settlement_type: Mapped[str | None] = mapped_column(String(30))
    timezone: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(1024))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
