"""All SQL of roadmap versions and their frozen plans."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.execution.plan import PlanNode, PlanRow
from roadmap_api.models import PlanTask, RoadmapVersion, Task
from roadmap_api.tasks.rules import Recurrence, TaskStatus


class VersionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    async def versions(self, roadmap_id: int) -> list[RoadmapVersion]:
        result = await self.session.execute(
            select(RoadmapVersion).where(RoadmapVersion.roadmap_id == roadmap_id).order_by(RoadmapVersion.number)
        )
        return list(result.scalars())

    async def get(self, roadmap_id: int, number: int) -> RoadmapVersion | None:
        result = await self.session.execute(
            select(RoadmapVersion).where(RoadmapVersion.roadmap_id == roadmap_id, RoadmapVersion.number == number)
        )
        return result.scalar_one_or_none()

    async def plan_nodes(self, roadmap_id: int) -> list[PlanNode]:
        """The live tree as the plan needs it (columns only: no task is loaded for change)."""
        result = await self.session.execute(
            select(Task.id, Task.parent_id, Task.status, Task.start_date, Task.due_date, Task.recurrence)
            .where(Task.roadmap_id == roadmap_id)
            .order_by(Task.id)
        )
        return [PlanNode(i, p, TaskStatus(s), st, d, Recurrence(r)) for i, p, s, st, d, r in result.all()]

    async def add_plan(self, version_id: int, rows: Sequence[PlanRow]) -> None:
        if not rows:
            return
        await self.session.execute(
            insert(PlanTask),
            [
                {
                    "version_id": version_id,
                    "task_id": r.task_id,
                    "occurrence": r.occurrence,
                    "start_date": r.start_date,
                    "due_date": r.due_date,
                    "recurrence": r.recurrence.value,
                    "measured": r.measured,
                }
                for r in rows
            ],
        )

    async def plan(self, version_id: int) -> list[tuple[PlanTask, str]]:
        """A version's plan rows with the tasks' (current) titles, in task and period order."""
        result = await self.session.execute(
            select(PlanTask, Task.title)
            .join(Task, Task.id == PlanTask.task_id)
            .where(PlanTask.version_id == version_id)
            .order_by(PlanTask.task_id, PlanTask.occurrence)
        )
        return [(row, title) for row, title in result.all()]

    async def bump_task_versions(self, roadmap_id: int) -> None:
        """An approval changes every task's approved dates (part of its representation): each gets a
        new version, so that an ETag read before the approval no longer matches."""
        await self.session.execute(
            update(Task)
            .where(Task.roadmap_id == roadmap_id)
            .values(version=Task.version + 1)
            .execution_options(synchronize_session="fetch")
        )
