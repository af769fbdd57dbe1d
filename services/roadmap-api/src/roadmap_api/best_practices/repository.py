"""All SQL of the best-practice catalogue and of the federal proposals (read over measures)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import BestPractice, LifeSituation, Measure, Roadmap


class BestPracticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    async def by_code(self, code: str) -> BestPractice | None:
        result = await self.session.execute(select(BestPractice).where(BestPractice.code == code))
        return result.scalar_one_or_none()

    async def existing_codes(self, codes: Sequence[str]) -> set[str]:
        if not codes:
            return set()
        result = await self.session.execute(select(BestPractice.code).where(BestPractice.code.in_(list(codes))))
        return set(result.scalars())

    async def existing_life_situations(self, codes: Sequence[str]) -> set[str]:
        if not codes:
            return set()
        result = await self.session.execute(select(LifeSituation.code).where(LifeSituation.code.in_(list(codes))))
        return set(result.scalars())

    async def list_practices(self, life_situation: str | None, after_id: int | None, limit: int) -> list[BestPractice]:
        query = select(BestPractice)
        if life_situation is not None:
            # The codes list is JSON text on both backends; a code is quoted in it. Codes may hold
            # "_", a LIKE wildcard, so it is escaped.
            escaped = life_situation.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(cast(BestPractice.life_situation_codes, String).like(f'%"{escaped}"%', escape="\\"))
        if after_id is not None:
            query = query.where(BestPractice.id > after_id)
        return list((await self.session.execute(query.order_by(BestPractice.id).limit(limit))).scalars())

    async def federal_measures(
        self, regions: Sequence[str] | None, after_id: int | None, limit: int
    ) -> list[tuple[Measure, Roadmap]]:
        """Measures marked federal-level, with their roadmaps, ordered by measure id."""
        query = select(Measure, Roadmap).join(Roadmap, Roadmap.id == Measure.roadmap_id).where(Measure.federal_level)
        if regions is not None:
            query = query.where(Roadmap.region_code.in_(list(regions)))
        if after_id is not None:
            query = query.where(Measure.id > after_id)
        result = await self.session.execute(query.order_by(Measure.id).limit(limit))
        return [(m, r) for m, r in result.all()]
