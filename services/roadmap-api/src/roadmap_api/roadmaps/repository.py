"""All SQL of roadmaps, their KPIs, measures, tasks, comments and journal."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import JournalEntry, Measure, Roadmap, RoadmapKpi, Task, TaskComment


class RoadmapRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    # -- roadmaps ------------------------------------------------------------------------------

    async def get(self, roadmap_id: int) -> Roadmap | None:
        return await self.session.get(Roadmap, roadmap_id)

    async def list_roadmaps(
        self,
        *,
        regions: Sequence[str] | None,
        region_code: str | None,
        status: str | None,
        after_id: int | None,
        limit: int,
    ) -> list[Roadmap]:
        """Ordered by id; ``regions`` is the caller's scope (``None`` = every region)."""
        query = select(Roadmap)
        if regions is not None:
            query = query.where(Roadmap.region_code.in_(list(regions)))
        if region_code is not None:
            query = query.where(Roadmap.region_code == region_code)
        if status is not None:
            query = query.where(Roadmap.status == status)
        if after_id is not None:
            query = query.where(Roadmap.id > after_id)
        result = await self.session.execute(query.order_by(Roadmap.id).limit(limit))
        return list(result.scalars())

    async def kpis(self, roadmap_id: int) -> list[RoadmapKpi]:
        result = await self.session.execute(
            select(RoadmapKpi).where(RoadmapKpi.roadmap_id == roadmap_id).order_by(RoadmapKpi.id)
        )
        return list(result.scalars())

    async def delete_kpis(self, roadmap_id: int) -> None:
        await self.session.execute(delete(RoadmapKpi).where(RoadmapKpi.roadmap_id == roadmap_id))

    async def measures(self, roadmap_id: int) -> list[Measure]:
        result = await self.session.execute(
            select(Measure).where(Measure.roadmap_id == roadmap_id).order_by(Measure.id)
        )
        return list(result.scalars())

    # -- tasks ---------------------------------------------------------------------------------

    async def get_task(self, task_id: int) -> Task | None:
        return await self.session.get(Task, task_id)

    async def tasks(self, roadmap_id: int) -> list[Task]:
        """Every task of a roadmap in a stable order (level, then due date, then id)."""
        result = await self.session.execute(
            select(Task).where(Task.roadmap_id == roadmap_id).order_by(Task.level, Task.due_date, Task.id)
        )
        return list(result.scalars())

    async def parent_links(self, roadmap_id: int) -> dict[int, int | None]:
        result = await self.session.execute(select(Task.id, Task.parent_id).where(Task.roadmap_id == roadmap_id))
        return {task_id: parent_id for task_id, parent_id in result.all()}

    async def set_levels(self, levels: dict[int, int]) -> None:
        for task_id, level in levels.items():
            await self.session.execute(update(Task).where(Task.id == task_id).values(level=level))

    async def freeze_baseline(self, roadmap_id: int) -> None:
        """Keep the current plan dates of every task as the approved baseline."""
        await self.session.execute(
            update(Task)
            .where(Task.roadmap_id == roadmap_id)
            .values(baseline_start_date=Task.start_date, baseline_due_date=Task.due_date)
        )

    async def comments(self, task_id: int, after_id: int | None, limit: int) -> list[TaskComment]:
        query = select(TaskComment).where(TaskComment.task_id == task_id)
        if after_id is not None:
            query = query.where(TaskComment.id > after_id)
        result = await self.session.execute(query.order_by(TaskComment.id).limit(limit))
        return list(result.scalars())

    # -- journal -------------------------------------------------------------------------------

    async def journal(
        self, roadmap_id: int, *, task_id: int | None, after_id: int | None, limit: int
    ) -> list[JournalEntry]:
        query = select(JournalEntry).where(JournalEntry.roadmap_id == roadmap_id)
        if task_id is not None:
            query = query.where(JournalEntry.task_id == task_id)
        if after_id is not None:
            query = query.where(JournalEntry.id > after_id)
        result = await self.session.execute(query.order_by(JournalEntry.id).limit(limit))
        return list(result.scalars())
