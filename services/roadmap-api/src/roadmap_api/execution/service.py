"""Use cases of plan execution: per roadmap, region-wide, due lists and deviations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.execution.plan import plan_rows, unit_facts, version_in_force
from roadmap_api.execution.repository import ApprovedRoadmap, Counts, DueQuery, ExecutionRepository
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
    RoadmapExecutionFigure,
)
from roadmap_api.regions import Scope, readable_regions, require_reader
from roadmap_api.roadmaps.service import RoadmapService
from roadmap_api.tasks.rules import TaskStatus
from roadmap_api.tasks.service import region_today
from zdrav_shared.auth import Principal
from zdrav_shared.orm import utcnow


def figure(execution: Execution) -> ExecutionFigure:
    return ExecutionFigure(
        as_of=execution.as_of,
        due=execution.due,
        completed_on_time=execution.completed_on_time,
        completed_late=execution.completed_late,
        overdue=execution.overdue,
        cancelled_after_approval=execution.cancelled_after_approval,
        execution_pct=execution.execution_pct,
        threshold_pct=execution.threshold_pct,
        meets_threshold=execution.meets_threshold,
    )


def _from_counts(day: date, counts: Counts) -> Execution:
    return execution_from_counts(day, counts.on_time, counts.late, counts.overdue, counts.cancelled)


class ExecutionService:
    def __init__(self, session: AsyncSession, principal: Principal, clock: Callable[[], datetime] = utcnow) -> None:
        self.repo = ExecutionRepository(session)
        self.roadmaps = RoadmapService(session, principal, clock=clock)
        self.principal = principal
        self.clock = clock

    def _today(self) -> date:
        return self.clock().date()

    async def roadmap(self, roadmap_id: int, as_of: date | None) -> RoadmapExecutionFigure:
        """The figure against the version in force on ``as_of``; a roadmap never approved is
        measured on its working plan (``plan_version`` null)."""
        roadmap = await self.roadmaps.load(roadmap_id)
        day = as_of or region_today(roadmap, self.clock())
        approved = await self.repo.approved_roadmaps(None, roadmap.id)
        version = version_in_force(approved[0].versions, day) if approved else None
        if version is None:
            nodes, live, reports = await self.repo.working_plan(roadmap.id)
            execution = compute_execution(unit_facts(plan_rows(nodes), live, reports), day)
            return RoadmapExecutionFigure(**figure(execution).model_dump(), plan_version=None)
        counts = (await self.repo.version_counts([version.id], day)).get(version.id, Counts())
        return RoadmapExecutionFigure(**figure(_from_counts(day, counts)).model_dump(), plan_version=version.number)

    async def region(self, region_code: str, as_of: date | None) -> RegionExecution:
        require_reader(self.principal, region_code)
        day = as_of or self._today()
        return (await self._regions(day, [region_code])).get(region_code) or _region(region_code, day, [], {})

    async def regions(self, as_of: date | None, regions: list[str] | None) -> RegionsExecution:
        """Every region's execution: ``regions`` (each checked against the caller's scope) or every
        region the caller can read. Regions without an approved roadmap are absent."""
        day = as_of or self._today()
        if regions is not None:
            for code in regions:
                require_reader(self.principal, code)
            wanted: list[str] | None = regions
        else:
            wanted = readable_regions(self.principal)
        found = await self._regions(day, wanted)
        return RegionsExecution(as_of=day, regions=[found[code] for code in sorted(found)])

    async def _regions(self, day: date, regions: list[str] | None) -> dict[str, RegionExecution]:
        """Each approved roadmap measured against its version in force on ``day``: one GROUP BY over
        the plan rows of all those versions."""
        roadmaps = await self.repo.approved_roadmaps(regions)
        chosen = {r.roadmap_id: version_in_force(r.versions, day) for r in roadmaps}
        counts = await self.repo.version_counts([v.id for v in chosen.values() if v is not None], day)
        by_region: dict[str, list[ApprovedRoadmap]] = {}
        for r in roadmaps:
            by_region.setdefault(r.region_code, []).append(r)
        return {
            code: _region(
                code,
                day,
                rows,
                {r.roadmap_id: counts.get(v.id, Counts()) for r in rows if (v := chosen[r.roadmap_id]) is not None},
            )
            for code, rows in by_region.items()
        }

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
        day = as_of or self._today()
        query = DueQuery(
            as_of=day,
            within_days=within_days,
            scope=Scope.of(self.principal),
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
        """Tasks of the version in force on ``as_of`` that moved from its approved dates."""
        roadmap = await self.roadmaps.load(roadmap_id)
        day = as_of or region_today(roadmap, self.clock())
        approved = await self.repo.approved_roadmaps(None, roadmap.id)
        version = version_in_force(approved[0].versions, day) if approved else None
        if version is None:
            return DeviationList(roadmap_id=roadmap.id, as_of=day, plan_version=None, items=[])
        items = []
        for plan, task in await self.repo.plan_tasks(version.id):
            dev = deviation(plan.due_date, task.due_date, task.completed_on, day)
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
                    baseline_start_date=plan.start_date,
                    baseline_due_date=plan.due_date,
                    start_date=task.start_date,
                    due_date=task.due_date,
                    completed_on=task.completed_on,
                    reschedule_days=dev.reschedule_days,
                    delay_days=dev.delay_days,
                    settled=dev.settled,
                )
            )
        return DeviationList(roadmap_id=roadmap.id, as_of=day, plan_version=version.number, items=items)


def _region(region_code: str, day: date, rows: list[ApprovedRoadmap], counts: dict[int, Counts]) -> RegionExecution:
    """A region's figure: each approved roadmap's, and the total over all their units (a ratio of
    sums, not an average of percentages)."""
    roadmaps = [
        RoadmapExecution(
            roadmap_id=r.roadmap_id,
            title=r.title,
            status=r.status,
            **figure(_from_counts(day, counts.get(r.roadmap_id, Counts()))).model_dump(),
        )
        for r in rows
    ]
    total = Counts(
        sum(c.on_time for c in counts.values()),
        sum(c.late for c in counts.values()),
        sum(c.overdue for c in counts.values()),
        sum(c.cancelled for c in counts.values()),
    )
    return RegionExecution(
        region_code=region_code, as_of=day, total=figure(_from_counts(day, total)), roadmaps=roadmaps
    )
