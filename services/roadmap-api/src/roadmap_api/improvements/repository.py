"""All SQL of improvement projects."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import ImprovementMetric, ImprovementProject, ImprovementStage


class ImprovementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, project_id: int) -> ImprovementProject | None:
        return await self.session.get(ImprovementProject, project_id)

    async def list_projects(
        self, regions: Sequence[str] | None, category: str | None, after_id: int | None, limit: int
    ) -> list[ImprovementProject]:
        query = select(ImprovementProject)
        if regions is not None:
            query = query.where(ImprovementProject.region_code.in_(list(regions)))
        if category is not None:
            query = query.where(ImprovementProject.category == category)
        if after_id is not None:
            query = query.where(ImprovementProject.id > after_id)
        return list((await self.session.execute(query.order_by(ImprovementProject.id).limit(limit))).scalars())

    async def stages(self, project_id: int) -> list[ImprovementStage]:
        result = await self.session.execute(
            select(ImprovementStage)
            .where(ImprovementStage.project_id == project_id)
            .order_by(ImprovementStage.start_date, ImprovementStage.id)
        )
        return list(result.scalars())

    async def metrics(self, project_id: int) -> list[ImprovementMetric]:
        result = await self.session.execute(
            select(ImprovementMetric).where(ImprovementMetric.project_id == project_id).order_by(ImprovementMetric.id)
        )
        return list(result.scalars())

    async def clear_stages(self, project_id: int) -> None:
        await self.session.execute(delete(ImprovementStage).where(ImprovementStage.project_id == project_id))

    async def clear_metrics(self, project_id: int) -> None:
        await self.session.execute(delete(ImprovementMetric).where(ImprovementMetric.project_id == project_id))
