"""All SQL of escalations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import Escalation, EscalationEvent


class EscalationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, escalation_id: int) -> Escalation | None:
        return await self.session.get(Escalation, escalation_id)

    async def events(self, escalation_id: int) -> list[EscalationEvent]:
        result = await self.session.execute(
            select(EscalationEvent).where(EscalationEvent.escalation_id == escalation_id).order_by(EscalationEvent.id)
        )
        return list(result.scalars())

    async def list_escalations(
        self,
        *,
        regions: Sequence[str] | None,
        status: str | None,
        level: str | None,
        after_id: int | None,
        limit: int,
    ) -> list[Escalation]:
        query = select(Escalation)
        if regions is not None:
            # A region's users see its threads; an organisation's operators those on it.
            codes = list(regions)
            query = query.where(or_(Escalation.region_code.in_(codes), Escalation.org_unit_code.in_(codes)))
        if status is not None:
            query = query.where(Escalation.status == status)
        if level is not None:
            query = query.where(Escalation.level == level)
        if after_id is not None:
            query = query.where(Escalation.id > after_id)
        return list((await self.session.execute(query.order_by(Escalation.id).limit(limit))).scalars())
