"""kpi-api's declarative base: its own metadata, read by its own migrations only."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from zdrav_shared.orm import Timestamped, new_metadata, utcnow

__all__ = ["Base", "Timestamped", "utcnow"]


class Base(DeclarativeBase):
    metadata = new_metadata()
