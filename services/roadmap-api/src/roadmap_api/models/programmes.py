"""Regional programme plans (goal → task → activity) and their financing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from roadmap_api.models.base import Base, Timestamped, utcnow
from zdrav_shared.orm import AwareDateTime


class Programme(Timestamped, Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    region_code: Mapped[str] = mapped_column(String(64), index=True)
    title_ru: Mapped[str] = mapped_column(Text)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ProgrammeItem(Base):
    """A goal, task or activity; terms are a date or a phrase ("на постоянной основе")."""

    __tablename__ = "programme_items"
    __table_args__ = (UniqueConstraint("programme_id", "level", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10))
    number: Mapped[int] = mapped_column(Integer)
    goal_no: Mapped[int] = mapped_column(Integer)
    task_no: Mapped[int | None] = mapped_column(Integer)
    title_ru: Mapped[str] = mapped_column(Text)
    start_kind: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[date | None] = mapped_column(Date)
    start_text: Mapped[str] = mapped_column(Text)
    end_kind: Mapped[str] = mapped_column(String(10))
    end_date: Mapped[date | None] = mapped_column(Date)
    end_text: Mapped[str] = mapped_column(Text)
    responsible_ru: Mapped[str | None] = mapped_column(Text)
    result_ru: Mapped[str | None] = mapped_column(Text)
    responsible_bodies: Mapped[list[str] | None] = mapped_column(JSON)
    # "не требуют финансирования": the activity needs no money (not a missing amount).
    no_financing_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class FinancingLine(Base):
    """An amount (thousand rubles) of one activity, funding source and year."""

    __tablename__ = "financing_lines"
    __table_args__ = (UniqueConstraint("programme_id", "activity_no", "source", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    activity_no: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    # Budget classification codes as printed: {part: [codes] | "x"}; several codes per cell.
    kbk: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DeclaredTotal(Base):
    """A printed total the lines must add up to (``activity_no``/``year`` null = all)."""

    __tablename__ = "declared_totals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    activity_no: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class ProgrammeVolume(Base):
    """A planned (and, once reported, actual) volume of an activity in a year — e.g. vehicles
    bought, buildings repaired."""

    __tablename__ = "programme_volumes"
    __table_args__ = (UniqueConstraint("programme_id", "activity_no", "name_ru", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    activity_no: Mapped[int] = mapped_column(Integer)
    name_ru: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    planned: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    actual: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))


class ActivityProgress(Base):
    """Progress of a programme activity: ``period`` is ``all`` for an activity with an end date or
    ongoing, or the year (``2023``) for an annual one ("ежегодно")."""

    __tablename__ = "programme_activity_progress"
    __table_args__ = (UniqueConstraint("programme_id", "activity_no", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    activity_no: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    completed_on: Mapped[date | None] = mapped_column(Date)
    comment: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
