"""The events roadmap-api writes into its outbox, in the transaction of the change they report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import WEBHOOKS, Roadmap
from zdrav_shared.webhooks.outbox import emit

TASK_OVERDUE = "task.overdue"
ROADMAP_APPROVED = "roadmap.approved"
ROADMAP_REVISED = "roadmap.revised"
EVENTS = (TASK_OVERDUE, ROADMAP_APPROVED, ROADMAP_REVISED)
FEDERATION = "RU"


async def roadmap_event(
    session: AsyncSession, event: str, roadmap: Roadmap, by: str, occurred_at: datetime, **extra: Any
) -> None:
    """A roadmap's approval (its first version) or revision (a later version approved and now in
    force); subject ``roadmap:<id>`` keeps a roadmap's events in order."""
    data = {
        "roadmap_id": roadmap.id,
        "region_code": roadmap.region_code,
        "title": roadmap.title,
        "plan_version": roadmap.plan_version,
        "status": roadmap.status,
        "by": by,
        **extra,
    }
    await emit(
        session,
        WEBHOOKS,
        event=event,
        subject=f"roadmap:{roadmap.id}",
        scope=_scope(roadmap.region_code),
        data=data,
        occurred_at=occurred_at,
    )


def _scope(region_code: str, below: Sequence[str] = ()) -> list[str]:
    return [FEDERATION, region_code, *below]
