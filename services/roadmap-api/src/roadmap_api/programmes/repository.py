"""All SQL of programme plans and financing; totals are GROUP BYs in the database."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import (
    ActivityProgress,
    DeclaredTotal,
    FinancingLine,
    Programme,
    ProgrammeItem,
    ProgrammeVolume,
)
from roadmap_api.programmes.rules import TOTAL_COMPONENTS

CENT = Decimal("0.01")
COMPONENTS = sorted(s.value for s in TOTAL_COMPONENTS)


def _money(value: object) -> Decimal:
    # SQLite sums NUMERIC as floating point; amounts have two decimals, so rounding to cents is exact.
    return Decimal(str(value or 0)).quantize(CENT)


class ProgrammeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, programme_id: int) -> Programme | None:
        return await self.session.get(Programme, programme_id)

    async def by_code(self, code: str) -> Programme | None:
        return (await self.session.execute(select(Programme).where(Programme.code == code))).scalar_one_or_none()

    async def list_programmes(self, regions: Sequence[str] | None, after_id: int | None, limit: int) -> list[Programme]:
        query = select(Programme)
        if regions is not None:
            query = query.where(Programme.region_code.in_(list(regions)))
        if after_id is not None:
            query = query.where(Programme.id > after_id)
        return list((await self.session.execute(query.order_by(Programme.id).limit(limit))).scalars())

    async def items(self, programme_id: int) -> list[ProgrammeItem]:
        result = await self.session.execute(
            select(ProgrammeItem).where(ProgrammeItem.programme_id == programme_id).order_by(ProgrammeItem.id)
        )
        return list(result.scalars())

    async def activity_titles(self, programme_id: int) -> dict[int, str]:
        result = await self.session.execute(
            select(ProgrammeItem.number, ProgrammeItem.title_ru).where(
                ProgrammeItem.programme_id == programme_id, ProgrammeItem.level == "activity"
            )
        )
        return {number: title for number, title in result.all()}

    async def clear_plan(self, programme_id: int) -> None:
        await self.session.execute(delete(ProgrammeItem).where(ProgrammeItem.programme_id == programme_id))

    async def clear_financing(self, programme_id: int) -> None:
        await self.session.execute(delete(FinancingLine).where(FinancingLine.programme_id == programme_id))
        await self.session.execute(delete(DeclaredTotal).where(DeclaredTotal.programme_id == programme_id))

    async def total(self, programme_id: int) -> Decimal:
        result = await self.session.execute(
            select(func.sum(FinancingLine.amount)).where(
                FinancingLine.programme_id == programme_id, FinancingLine.source.in_(COMPONENTS)
            )
        )
        return _money(result.scalar_one())

    async def by_year(self, programme_id: int) -> list[tuple[int, Decimal]]:
        result = await self.session.execute(
            select(FinancingLine.year, func.sum(FinancingLine.amount))
            .where(FinancingLine.programme_id == programme_id, FinancingLine.source.in_(COMPONENTS))
            .group_by(FinancingLine.year)
            .order_by(FinancingLine.year)
        )
        return [(year, _money(amount)) for year, amount in result.all()]

    async def by_source(self, programme_id: int) -> list[tuple[str, Decimal]]:
        result = await self.session.execute(
            select(FinancingLine.source, func.sum(FinancingLine.amount))
            .where(FinancingLine.programme_id == programme_id)
            .group_by(FinancingLine.source)
            .order_by(FinancingLine.source)
        )
        return [(source, _money(amount)) for source, amount in result.all()]

    async def by_activity(self, programme_id: int) -> list[tuple[int, Decimal]]:
        result = await self.session.execute(
            select(FinancingLine.activity_no, func.sum(FinancingLine.amount))
            .where(FinancingLine.programme_id == programme_id, FinancingLine.source.in_(COMPONENTS))
            .group_by(FinancingLine.activity_no)
            .order_by(FinancingLine.activity_no)
        )
        return [(activity, _money(amount)) for activity, amount in result.all()]

    async def lines(self, programme_id: int) -> list[FinancingLine]:
        result = await self.session.execute(
            select(FinancingLine)
            .where(FinancingLine.programme_id == programme_id)
            .order_by(FinancingLine.activity_no, FinancingLine.source, FinancingLine.year)
        )
        return list(result.scalars())

    async def declared(self, programme_id: int) -> list[DeclaredTotal]:
        result = await self.session.execute(
            select(DeclaredTotal).where(DeclaredTotal.programme_id == programme_id).order_by(DeclaredTotal.id)
        )
        return list(result.scalars())

    # -- volumes and progress --------------------------------------------------------------------

    async def volumes(self, programme_id: int) -> list[ProgrammeVolume]:
        result = await self.session.execute(
            select(ProgrammeVolume)
            .where(ProgrammeVolume.programme_id == programme_id)
            .order_by(ProgrammeVolume.activity_no, ProgrammeVolume.name_ru, ProgrammeVolume.year)
        )
        return list(result.scalars())

    async def clear_volumes(self, programme_id: int) -> None:
        await self.session.execute(delete(ProgrammeVolume).where(ProgrammeVolume.programme_id == programme_id))

    async def progress(self, programme_id: int, activity_no: int, period: str) -> ActivityProgress | None:
        result = await self.session.execute(
            select(ActivityProgress).where(
                ActivityProgress.programme_id == programme_id,
                ActivityProgress.activity_no == activity_no,
                ActivityProgress.period == period,
            )
        )
        return result.scalar_one_or_none()

    async def all_progress(self, programme_id: int) -> list[ActivityProgress]:
        result = await self.session.execute(
            select(ActivityProgress)
            .where(ActivityProgress.programme_id == programme_id)
            .order_by(ActivityProgress.activity_no, ActivityProgress.period)
        )
        return list(result.scalars())
