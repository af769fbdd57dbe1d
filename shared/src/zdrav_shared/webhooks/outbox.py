"""Writing an event into the outbox, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from zdrav_shared.orm import utcnow
from zdrav_shared.webhooks.tables import WebhookTables


async def emit(
    session: AsyncSession | AsyncConnection,
    tables: WebhookTables,
    *,
    event: str,
    subject: str,
    scope: Sequence[str],
    data: Mapping[str, Any],
    occurred_at: datetime | None = None,
) -> None:
    """Record ``event`` about ``subject`` (``"value:42"``) in the same transaction as the change.

    ``scope`` lists the org-unit codes the event concerns, the federation first (``["RU",
    "RU-MUR", "MUR-GP1"]``): subscriptions owned by any of them receive it. ``data`` must be JSON.
    Nothing is sent here: the delivery worker reads committed events only, so an event of a change
    that rolls back never leaves the service."""
    await session.execute(
        tables.events.insert().values(
            event=event,
            subject=subject,
            scope=list(scope),
            payload=dict(data),
            occurred_at=occurred_at or utcnow(),
            fanned_out=False,
        )
    )
