"""All SQL of the regional-centre registry and its change notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import CentreMember, CentreNotice, RegionalCentre


class CentreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, centre_id: int) -> RegionalCentre | None:
        return await self.session.get(RegionalCentre, centre_id)

    async def by_region(self, region_code: str) -> RegionalCentre | None:
        result = await self.session.execute(select(RegionalCentre).where(RegionalCentre.region_code == region_code))
        return result.scalar_one_or_none()

    async def list_centres(
        self, regions: Sequence[str] | None, after_id: int | None, limit: int
    ) -> list[RegionalCentre]:
        query = select(RegionalCentre)
        if regions is not None:
            query = query.where(RegionalCentre.region_code.in_(list(regions)))
        if after_id is not None:
            query = query.where(RegionalCentre.id > after_id)
        return list((await self.session.execute(query.order_by(RegionalCentre.id).limit(limit))).scalars())

    async def members(self, centre_id: int) -> list[CentreMember]:
        result = await self.session.execute(
            select(CentreMember).where(CentreMember.centre_id == centre_id).order_by(CentreMember.id)
        )
        return list(result.scalars())

    async def member(self, centre_id: int, member_id: int) -> CentreMember | None:
        found = await self.session.get(CentreMember, member_id)
        return found if found is not None and found.centre_id == centre_id else None

    async def delete(self, obj: object) -> None:
        await self.session.delete(obj)

    # -- notices -------------------------------------------------------------------------------

    async def notice(self, centre_id: int, event_date: date) -> CentreNotice | None:
        result = await self.session.execute(
            select(CentreNotice).where(CentreNotice.centre_id == centre_id, CentreNotice.event_date == event_date)
        )
        return result.scalar_one_or_none()

    async def notices(self, centre_id: int) -> list[CentreNotice]:
        result = await self.session.execute(
            select(CentreNotice).where(CentreNotice.centre_id == centre_id).order_by(CentreNotice.event_date)
        )
        return list(result.scalars())

    async def due_notices(self, now: datetime, centre_id: int | None, force: bool, limit: int) -> list[CentreNotice]:
        query = select(CentreNotice).where(CentreNotice.status == "pending")
        if not force:
            query = query.where(CentreNotice.next_attempt_at <= now)
        if centre_id is not None:
            query = query.where(CentreNotice.centre_id == centre_id)
        return list((await self.session.execute(query.order_by(CentreNotice.id).limit(limit))).scalars())

    async def claim(self, notice_id: int, seen_attempts: int, lease_until: datetime) -> bool:
        """Compare-and-set: take a pending notice for one delivery attempt (one replica wins)."""
        result = await self.session.execute(
            update(CentreNotice)
            .where(
                CentreNotice.id == notice_id,
                CentreNotice.status == "pending",
                CentreNotice.attempts == seen_attempts,
            )
            .values(attempts=seen_attempts + 1, next_attempt_at=lease_until)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1
