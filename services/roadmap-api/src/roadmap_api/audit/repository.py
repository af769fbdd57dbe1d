"""All SQL of the audit trail."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import AuditEntry
from zdrav_shared.auth import FEDERATION_CODE


async def list_entries(
    session: AsyncSession,
    *,
    regions: Sequence[str] | None,
    entity: str | None,
    entity_id: int | None,
    after_id: int | None,
    limit: int,
) -> list[AuditEntry]:
    """Oldest first; ``regions`` is the caller's scope (``None`` = all), federal catalogues always."""
    query = select(AuditEntry)
    if regions is not None:
        query = query.where(AuditEntry.region_code.in_([*regions, FEDERATION_CODE]))
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if after_id is not None:
        query = query.where(AuditEntry.id > after_id)
    return list((await session.execute(query.order_by(AuditEntry.id).limit(limit))).scalars())
