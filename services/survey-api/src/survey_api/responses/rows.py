"""How ingestion hands rows to a writer: the columns a request's rows share, once, and per row the rest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SHARED_COLUMNS = (
    "campaign_id",
    "org_unit_code",
    "org_unit_path",
    "channel",
    "entered_by",
    "kiosk_id",
    "received_at",
)
"""The columns every row of one request has in common: given once, not per row."""


def full_row(shared: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """One row with every column: ``effective_at`` None means the device clock was trusted."""
    full = {**shared, **row}
    if full["effective_at"] is None:
        full["effective_at"] = full["submitted_at"]
    return full


@dataclass(frozen=True, slots=True)
class KioskVisit:
    """A kiosk's request, as its counters see it when the rows are written: when it was seen and how
    many of its items were rejected before reaching the database."""

    kiosk_id: str
    seen_at: datetime
    rejected: int
