"""The events survey-api writes into its outbox, in the transaction that stores the response."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from survey_api.common import lineage_of

DETRACTOR = "response.detractor"
EVENTS = (DETRACTOR,)
DETRACTOR_MAX = 6  # NPS 0–6: a detractor (9–10 promoters, 7–8 passives)
COMMENT = "comment"


@dataclass(frozen=True)
class OutboxRow:
    """An event as the writers insert it (zdrav_shared.webhooks.outbox on either path)."""

    event: str
    subject: str
    scope: list[str]
    data: dict[str, Any]
    occurred_at: datetime


OutboxRows = Callable[[set[str]], list[OutboxRow]]
"""Given the ids stored now, the events to write with them (a resent response emits nothing again)."""


def is_detractor(row: Mapping[str, Any]) -> bool:
    """A counted response (not screened out) with an NPS of 0–6."""
    nps = row.get("nps")
    return nps is not None and nps <= DETRACTOR_MAX


def detractor_events(
    shared: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], campaign_code: str
) -> OutboxRows | None:
    """The ``response.detractor`` events of ``rows``, or None when none is a detractor. The comment is
    the stored one: contacts in it are already masked (``responses.rules.mask_personal_data``)."""
    detractors = [row for row in rows if is_detractor(row)]
    if not detractors:
        return None
    scope = lineage_of(shared["org_unit_path"])

    def rows_for(stored: set[str]) -> list[OutboxRow]:
        return [
            OutboxRow(
                event=DETRACTOR,
                subject=f"response:{row['id']}",
                scope=scope,
                data={
                    "response_id": str(row["id"]),
                    "campaign_code": campaign_code,
                    "org_unit_code": shared["org_unit_code"],
                    "channel": shared["channel"],
                    "nps": row["nps"],
                    "comment": row["answers"].get(COMMENT),
                    "submitted_at": row["submitted_at"].isoformat(),
                },
                occurred_at=shared["received_at"],
            )
            for row in detractors
            if str(row["id"]) in stored
        ]

    return rows_for
