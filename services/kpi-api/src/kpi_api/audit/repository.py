"""All SQL of the append-only audit trail (values, targets and definitions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import AuditEvent


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record(
        self,
        entity: str,
        entity_id: int,
        action: str,
        actor: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str | None = None,
    ) -> None:
        """Append one event; rows are never updated or deleted."""
        self.session.add(
            AuditEvent(
                entity=entity,
                entity_id=entity_id,
                action=action,
                actor=actor,
                before=before,
                after=after,
                reason=reason,
            )
        )

    async def events(self, entity: str, entity_ids: Sequence[int], limit: int = 1000) -> list[AuditEvent]:
        if not entity_ids:
            return []
        result = await self.session.execute(
            select(AuditEvent)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id.in_(sorted(set(entity_ids))))
            .order_by(AuditEvent.id)
            .limit(limit)
        )
        return list(result.scalars())
