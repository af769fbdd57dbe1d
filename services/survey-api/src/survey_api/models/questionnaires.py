from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_api.models.base import Base, Timestamped
from zdrav_shared.orm import AwareDateTime


class Questionnaire(Timestamped, Base):
    """One version of a questionnaire. ``draft`` versions are editable; ``published`` ones are frozen
    because campaigns and stored responses refer to them."""

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
