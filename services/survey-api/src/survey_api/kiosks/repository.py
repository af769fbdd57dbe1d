"""All SQL of kiosks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.campaigns.repository import scope_clause
from survey_api.models import Kiosk


class KioskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, kiosk_id: str) -> Kiosk | None:
        return await self.session.get(Kiosk, kiosk_id)

    async def by_token_hash(self, token_hash: str) -> Kiosk | None:
        return (await self.session.execute(select(Kiosk).where(Kiosk.token_hash == token_hash))).scalar_one_or_none()

    async def list(
        self, *, limit: int, after_id: str | None, campaign_id: int | None, scope_codes: Sequence[str] | None
    ) -> list[Kiosk]:
        query = select(Kiosk)
        if campaign_id is not None:
            query = query.where(Kiosk.campaign_id == campaign_id)
        if after_id is not None:
            query = query.where(Kiosk.id > after_id)
        scoped = scope_clause(Kiosk.org_unit_path, scope_codes)
        if scoped is not None:
            query = query.where(scoped)
        return list((await self.session.execute(query.order_by(Kiosk.id).limit(limit))).scalars())

    async def record_activity(
        self, kiosk_id: str, seen_at: datetime, accepted: int, duplicate: int, rejected: int
    ) -> None:
        """Counters are incremented in SQL so that concurrent batches of one kiosk add up."""
        await self.session.execute(
            update(Kiosk)
            .where(Kiosk.id == kiosk_id)
            .values(
                last_seen_at=seen_at,
                accepted_count=Kiosk.accepted_count + accepted,
                duplicate_count=Kiosk.duplicate_count + duplicate,
                rejected_count=Kiosk.rejected_count + rejected,
            )
        )

    def add(self, kiosk: Kiosk) -> None:
        self.session.add(kiosk)

    async def flush(self) -> None:
        await self.session.flush()
