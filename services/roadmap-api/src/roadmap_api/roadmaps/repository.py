"""All SQL of roadmaps, their KPIs, measures, tasks, comments and journal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import (
    JournalEntry,
    Measure,
    PlanTask,
    Roadmap,
    RoadmapKpi,
    RoadmapVersion,
    Task,
    TaskComment,
    TaskReport,
)
from roadmap_api.regions import Scope


class RoadmapRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    # -- roadmaps ------------------------------------------------------------------------------

    async def get(self, roadmap_id: int, scope: Scope) -> Roadmap | None:
        """The roadmap if it exists inside ``scope`` (the scope is part of the query)."""
        result = await self.session.execute(
            select(Roadmap)
            .where(Roadmap.id == roadmap_id, scope.region_clause(Roadmap.region_code))
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def version_of(self, roadmap_id: int) -> int | None:
        """The roadmap's current concurrency version, read fresh (for a 409's ETag)."""
        result = await self.session.execute(select(Roadmap.version).where(Roadmap.id == roadmap_id))
        return result.scalar_one_or_none()

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

    async def visible_task(self, task_id: int, scope: Scope) -> tuple[Task, Roadmap] | None:
        """The task and its roadmap if the roadmap's region or the task's org unit lies inside
        ``scope`` (in the query: another region's id is not found, as if it did not exist)."""
        result = await self.session.execute(
            select(Task, Roadmap)
            .join(Roadmap, Roadmap.id == Task.roadmap_id)
            .where(
                Task.id == task_id,
                or_(scope.region_clause(Roadmap.region_code), scope.path_clause(Task.org_unit_path)),
            )
            .execution_options(populate_existing=True)
        )
        row = result.first()
        return (row[0], row[1]) if row else None

    async def task_version_of(self, task_id: int) -> int | None:
        result = await self.session.execute(select(Task.version).where(Task.id == task_id))
        return result.scalar_one_or_none()

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
        """New levels of moved descendants; each is a new state of that task, so a new version."""
        for task_id, level in levels.items():
            await self.session.execute(
                update(Task)
                .where(Task.id == task_id)
                .values(level=level, version=Task.version + 1)
                .execution_options(synchronize_session="fetch")
            )

    # -- approved plans ------------------------------------------------------------------------

    async def version_row(self, roadmap_id: int, number: int | None) -> RoadmapVersion | None:
        if number is None:
            return None
        result = await self.session.execute(
            select(RoadmapVersion).where(RoadmapVersion.roadmap_id == roadmap_id, RoadmapVersion.number == number)
        )
        return result.scalar_one_or_none()

    async def plan_dates(self, roadmap: Roadmap, task_ids: Sequence[int] | None = None) -> dict[int, PlanTask]:
        """The own plan rows (approved dates) of tasks in the version in force now, by task id."""
        if roadmap.plan_version is None:
            return {}
        query = (
            select(PlanTask)
            .join(RoadmapVersion, RoadmapVersion.id == PlanTask.version_id)
            .where(
                RoadmapVersion.roadmap_id == roadmap.id,
                RoadmapVersion.number == roadmap.plan_version,
                PlanTask.occurrence == "",
            )
        )
        if task_ids is not None:
            query = query.where(PlanTask.task_id.in_(list(task_ids)))
        result = await self.session.execute(query)
        return {row.task_id: row for row in result.scalars()}

    async def comments(self, task_id: int, after_id: int | None, limit: int) -> list[TaskComment]:
        query = select(TaskComment).where(TaskComment.task_id == task_id)
        if after_id is not None:
            query = query.where(TaskComment.id > after_id)
        result = await self.session.execute(query.order_by(TaskComment.id).limit(limit))
        return list(result.scalars())

    # -- reports of recurring tasks ------------------------------------------------------------

    async def reports(self, task_id: int) -> dict[str, TaskReport]:
        result = await self.session.execute(select(TaskReport).where(TaskReport.task_id == task_id))
        return {r.period: r for r in result.scalars()}

    async def planned_occurrences(self, task_id: int) -> dict[str, date]:
        """Every period an approved version of the roadmap planned for the task, with its due date
        (the latest version's where they differ)."""
        result = await self.session.execute(
            select(PlanTask.occurrence, PlanTask.due_date)
            .where(PlanTask.task_id == task_id, PlanTask.occurrence != "")
            .order_by(PlanTask.version_id)
        )
        return {period: due for period, due in result.all()}

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
