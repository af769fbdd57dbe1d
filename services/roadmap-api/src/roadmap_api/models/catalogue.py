"""The national method's catalogues: best practices, life situations with their institutions, and
the self-assessment measurements taken in those institutions before a roadmap."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from roadmap_api.models.base import Base, Timestamped


class BestPractice(Timestamped, Base):
    """A best practice (лучшая практика) measures refer to by ``code``; ``owner`` is ``RU`` for the
    method's catalogue, or the region that added it."""

    __tablename__ = "best_practices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ru: Mapped[str] = mapped_column(Text)
    regions_ru: Mapped[list[str]] = mapped_column(JSON, default=list)
    result_ru: Mapped[str | None] = mapped_column(Text)
    life_situation_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(String(2000))
    source_ru: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class LifeSituation(Timestamped, Base):
    """A citizen's journey (жизненная ситуация) with its boundaries: from ``start_event`` to
    ``end_event`` (``boundaries_ru`` keeps the printed sentence)."""

    __tablename__ = "life_situations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ru: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    start_event_ru: Mapped[str] = mapped_column(Text)
    end_event_ru: Mapped[str] = mapped_column(Text)
    boundaries_ru: Mapped[str | None] = mapped_column(Text)
    beneficiaries_ru: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class LifeSituationInstitution(Base):
    """An institution of a region where a life situation is measured (the method asks for at least
    two per life situation, urban and rural). ``rural`` is kpi-api's flag of the org unit."""

    __tablename__ = "life_situation_institutions"
    __table_args__ = (UniqueConstraint("life_situation_id", "org_unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    life_situation_id: Mapped[int] = mapped_column(ForeignKey("life_situations.id", ondelete="CASCADE"))
    region_code: Mapped[str] = mapped_column(String(64), index=True)
    org_unit_code: Mapped[str] = mapped_column(String(64))
    org_unit_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    rural: Mapped[bool | None] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(200))


class SelfAssessment(Timestamped, Base):
    """Process-time measurements of one institution for one indicator (самообследование)."""

    __tablename__ = "self_assessments"
    __table_args__ = (
        UniqueConstraint("institution_id", "indicator_code"),
        Index("ix_self_assessments_region", "life_situation_id", "region_code", "indicator_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    life_situation_id: Mapped[int] = mapped_column(ForeignKey("life_situations.id", ondelete="CASCADE"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("life_situation_institutions.id", ondelete="CASCADE"))
    region_code: Mapped[str] = mapped_column(String(64))
    org_unit_code: Mapped[str] = mapped_column(String(64))
    indicator_code: Mapped[str] = mapped_column(String(64))
    metric_ru: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class SelfAssessmentMeasurement(Base):
    __tablename__ = "self_assessment_measurements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessments.id", ondelete="CASCADE"), index=True)
    value: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    measured_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
