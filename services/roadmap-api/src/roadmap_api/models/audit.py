"""The audit trail of the programme workflows (DESIGN §5: who, when, before, after, why).

Roadmaps keep their own journal (``journal_entries``); the features added around them — regional
centres, escalations, life situations, self-assessments, best practices, improvement projects,
session pipelines and programme execution — write here, one row per change of a field or state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roadmap_api.models.base import Base, utcnow
from zdrav_shared.orm import AwareDateTime


class AuditEntry(Base):
    """One audited change. ``region_code`` scopes who may read it (``RU`` for federal catalogues)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
