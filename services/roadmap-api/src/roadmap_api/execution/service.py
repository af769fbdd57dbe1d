"""Use cases of plan execution: per roadmap, region-wide, due lists and deviations."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.execution.repository import DueQuery, ExecutionRepository, RoadmapCounts
from roadmap_api.execution.rules import (
    DueState,
    Execution,
    TaskFact,
    classify,
    compute_execution,
    deviation,
    execution_from_counts,
)
from roadmap_api.execution.schemas import (
    DeviationList,
    DeviationRead,
    DueGroup,
    DueList,
    DueTask,
    ExecutionFigure,
    RegionExecution,
    RegionsExecution,
    RoadmapExecution,
)
from roadmap_api.regions import readable_regions, require_reader
from roadmap_api.roadmaps.service import RoadmapService
from roadmap_api.tasks.rules import TaskStatus
from roadmap_api.tasks.service import region_today
from zdrav_shared.auth import Principal


def figure(execution: Execution) -> ExecutionFigure:
    return ExecutionFigure(
        as_of=execution.as_of,
        due=execution.due,
        completed_on_time=execution.completed_on_time,
        completed_late=execution.completed_late,
        overdue=execution.overdue,
        execution_pct=execution.execution_pct,
        threshold_pct=execution.threshold_pct,
        meets_threshold=execution.meets_threshold,
    )


class ExecutionService:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.repo = ExecutionRepository(session)
        self.roadmaps = RoadmapService(session, principal)
        self.principal = principal

    async def roadmap(self, roadmap_id: int, as_of: date | None) -> ExecutionFigure:
        roadmap = await self.roadmaps.load(roadmap_id)
        day = as_of or region_today(roadmap)
        return figure(compute_execution(await self.repo.task_facts(roadmap.id), day))

    async def region(self, region_code: str, as_of: date | None) -> RegionExecution:
        require_reader(self.principal, region_code)
        day = as_of or datetime.now(UTC).date()
        return _region(region_code, day, await self.repo.region_counts(region_code, day))

    async def regions(self, as_of: date | None, regions: list[str] | None) -> RegionsExecution:
        """Every region's execution in one GROUP BY: ``regions`` (each checked against the caller's
        scope) or every region the caller can read."""
        day = as_of or datetime.now(UTC).date()
        if regions is not None:
            for code in regions:
                require_reader(self.principal, code)
            wanted: list[str] | None = regions
        else:
            wanted = readable_regions(self.principal)
        by_region: dict[str, list[RoadmapCounts]] = {}
        for code, counts in await self.repo.regions_counts(day, wanted):
            by_region.setdefault(code, []).append(counts)
        return RegionsExecution(
            as_of=day, regions=[_region(code, day, rows) for code, rows in sorted(by_region.items())]
        )

    async def due(
        self,
        *,
        as_of: date | None,
        within_days: int,
        region_code: str | None,
        responsible: str | None,
        org_unit_code: str | None,
        limit: int,
    ) -> DueList:
        day = as_of or datetime.now(UTC).date()
        query = DueQuery(
            as_of=day,
            within_days=within_days,
            regions=readable_regions(self.principal),
            region_code=region_code,
            responsible=responsible,
            org_unit_code=org_unit_code,
        )
        rows = await self.repo.due_tasks(query, limit + 1)
        items = []
        for task, region in rows[:limit]:
            fact = TaskFact(TaskStatus(task.status), task.due_date, task.completed_on)
            state = classify(fact, day, soon_within_days=within_days)
            days = (day - task.due_date).days if state is DueState.OVERDUE else (task.due_date - day).days
            items.append(
                DueTask(
                    task_id=task.id,
                    roadmap_id=task.roadmap_id,
                    region_code=region,
                    title=task.title,
                    responsible=task.responsible,
                    co_assignees=list(task.co_assignees),
                    org_unit_code=task.org_unit_code,
                    status=TaskStatus(task.status),
                    due_date=task.due_date,
                    state=state,
                    days=days,
                )
            )
        groups = {
            by: [
                DueGroup(key=g.key, overdue=g.overdue, due_soon=g.due_soon)
                for g in await self.repo.due_groups(query, by)
            ]
            for by in ("responsible", "org_unit")
        }
        return DueList(
            as_of=day,
            within_days=within_days,
            items=items,
            truncated=len(rows) > limit,
            by_responsible=groups["responsible"],
            by_org_unit=groups["org_unit"],
        )

    async def deviations(self, roadmap_id: int, as_of: date | None) -> DeviationList:
        roadmap = await self.roadmaps.load(roadmap_id)
        day = as_of or region_today(roadmap)
        items = []
        for task in await self.repo.baseline_tasks(roadmap.id):
            assert task.baseline_due_date is not None  # the query selects baselined tasks only
            dev = deviation(task.baseline_due_date, task.due_date, task.completed_on, day)
            if dev.reschedule_days == 0 and dev.delay_days == 0:
                continue
            if not dev.settled and dev.reschedule_days == 0 and dev.delay_days <= 0:
                continue
            items.append(
                DeviationRead(
                    task_id=task.id,
                    title=task.title,
                    responsible=task.responsible,
                    status=TaskStatus(task.status),
                    baseline_start_date=task.baseline_start_date,
                    baseline_due_date=task.baseline_due_date,
                    start_date=task.start_date,
                    due_date=task.due_date,
                    completed_on=task.completed_on,
                    reschedule_days=dev.reschedule_days,
                    delay_days=dev.delay_days,
                    settled=dev.settled,
                )
            )
        return DeviationList(roadmap_id=roadmap.id, as_of=day, items=items)


def _region(region_code: str, day: date, rows: list[RoadmapCounts]) -> RegionExecution:
    """A region's figure: each roadmap's, and the total over all their tasks (a ratio of sums)."""
    roadmaps = [
        RoadmapExecution(
            roadmap_id=r.roadmap_id,
            title=r.title,
            status=r.status,
            **figure(execution_from_counts(day, r.on_time, r.late, r.overdue)).model_dump(),
        )
        for r in rows
    ]
    total = execution_from_counts(
        day, sum(r.on_time for r in rows), sum(r.late for r in rows), sum(r.overdue for r in rows)
    )
    return RegionExecution(region_code=region_code, as_of=day, total=figure(total), roadmaps=roadmaps)
