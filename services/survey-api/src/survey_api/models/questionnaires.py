from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.models.base import Base, Timestamped
from zdrav_shared.orm import AwareDateTime


class Questionnaire(Timestamped, Base):
    """One version of a questionnaire. ``draft`` versions are editable; ``published`` ones are frozen
    because campaigns and stored responses refer to them. ``owner`` (``RU`` = federal, or a region's
    code) is the same on every version of a code: only the owner changes the questionnaire."""

    __tablename__ = "questionnaires"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_questionnaires_code_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    title_ru: Mapped[str] = mapped_column(String(1000))
    title_en: Mapped[str | None] = mapped_column(String(1000))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # The server default is for rows older than ownership: they became federal-owned (see the
    # migration); every write names the owner itself.
    owner: Mapped[str] = mapped_column(String(64), server_default="RU")


class QuestionnaireChange(Base):
    """Append-only audit of every change to a questionnaire: who, when, what it was, what it became,
    why. One row per write (created, version_created, updated, published); ``version`` is the version
    the write touched."""

    __tablename__ = "questionnaire_changes"
    __table_args__ = (Index("ix_questionnaire_changes_code", "questionnaire_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
