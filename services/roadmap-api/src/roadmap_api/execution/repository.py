"""All SQL of execution figures, due lists and deviations.

The SQL classification mirrors :mod:`roadmap_api.execution.rules` exactly, over the measured plan
rows of the versions asked for (``roadmap_version_tasks``): a unit is due when its *approved*
``due_date <= as_of``; its completion is the task's ``completed_on`` when the task is ``done`` (a
one-off unit) or the date of the report of its period (an occurrence of a recurring task); it is
complete when that date is on or before ``as_of``, late when after the approved due date, otherwise
overdue — and among the overdue, cancelled after approval when its task is cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.execution.plan import LiveState, PlanNode, VersionRef
from roadmap_api.models import PlanTask, Roadmap, RoadmapVersion, Task, TaskReport
from roadmap_api.regions import Scope
from roadmap_api.tasks.rules import Recurrence, TaskStatus


def _completed_by(as_of: date) -> ColumnElement[bool]:
    return and_(Task.status == TaskStatus.DONE.value, Task.completed_on.is_not(None), Task.completed_on <= as_of)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True, slots=True)
class Counts:
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    cancelled: int = 0


@dataclass(frozen=True, slots=True)
class ApprovedRoadmap:
    """A roadmap with at least one approved version, and those versions."""

    region_code: str
    roadmap_id: int
    title: str
    status: str
    versions: list[VersionRef]


@dataclass(frozen=True, slots=True)
class DueGroupCounts:
    key: str | None
    overdue: int
    due_soon: int


@dataclass(frozen=True, slots=True)
class DueQuery:
    """Which open tasks a due list covers; ``scope`` is the caller's (regions, or org units)."""

    as_of: date
    within_days: int
    scope: Scope
    region_code: str | None = None
    responsible: str | None = None
    org_unit_code: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [
            Task.roadmap_id == Roadmap.id,
            Task.status != TaskStatus.CANCELLED.value,
            not_(_completed_by(self.as_of)),
            Task.due_date <= self.as_of + timedelta(days=self.within_days),
            or_(self.scope.region_clause(Roadmap.region_code), self.scope.path_clause(Task.org_unit_path)),
        ]
        if self.region_code is not None:
            conditions.append(Roadmap.region_code == self.region_code)
        if self.responsible is not None:
            conditions.append(Task.responsible == self.responsible)
        if self.org_unit_code is not None:
            conditions.append(Task.org_unit_code == self.org_unit_code)
        return conditions


class ExecutionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def approved_roadmaps(
        self, regions: Sequence[str] | None, roadmap_id: int | None = None
    ) -> list[ApprovedRoadmap]:
        """Roadmaps of ``regions`` (None: every region) that have an approved version — draft roadmaps
        are not in a region's figures — with their approved versions, by region and roadmap."""
        query = (
            select(
                Roadmap.region_code,
                Roadmap.id,
                Roadmap.title,
                Roadmap.status,
                RoadmapVersion.id,
                RoadmapVersion.number,
                RoadmapVersion.effective_from,
            )
            .join(RoadmapVersion, RoadmapVersion.roadmap_id == Roadmap.id)
            .where(RoadmapVersion.effective_from.is_not(None), Roadmap.plan_version.is_not(None))
            .order_by(Roadmap.region_code, Roadmap.id, RoadmapVersion.number)
        )
        if regions is not None:
            query = query.where(Roadmap.region_code.in_(sorted(set(regions))))
        if roadmap_id is not None:
            query = query.where(Roadmap.id == roadmap_id)
        found: dict[int, ApprovedRoadmap] = {}
        for region, rid, title, status, vid, number, effective in (await self.session.execute(query)).all():
            roadmap = found.setdefault(rid, ApprovedRoadmap(region, rid, title, status, []))
            if effective is not None:  # always: the query keeps approved versions only
                roadmap.versions.append(VersionRef(vid, number, effective))
        return list(found.values())

    async def version_counts(self, version_ids: Sequence[int], as_of: date) -> dict[int, Counts]:
        """Execution counts of each version's plan as of ``as_of``, in one GROUP BY."""
        if not version_ids:
            return {}
        completion = case(
            (
                PlanTask.occurrence == literal(""),
                case((Task.status == TaskStatus.DONE.value, Task.completed_on), else_=None),
            ),
            else_=TaskReport.completed_on,
        )
        completed = and_(completion.is_not(None), completion <= as_of)
        cancelled = Task.status == TaskStatus.CANCELLED.value
        query = (
            select(
                PlanTask.version_id,
                _count(and_(completed, completion <= PlanTask.due_date)),
                _count(and_(completed, completion > PlanTask.due_date)),
                _count(not_(completed)),
                _count(and_(not_(completed), cancelled)),
            )
            .join(Task, Task.id == PlanTask.task_id)
            .outerjoin(
                TaskReport, and_(TaskReport.task_id == PlanTask.task_id, TaskReport.period == PlanTask.occurrence)
            )
            .where(
                PlanTask.version_id.in_(list(version_ids)),
                PlanTask.measured.is_(True),
                PlanTask.due_date <= as_of,
            )
            .group_by(PlanTask.version_id)
        )
        result = await self.session.execute(query)
        return {vid: Counts(int(a), int(b), int(c), int(d)) for vid, a, b, c, d in result.all()}

    async def working_plan(
        self, roadmap_id: int
    ) -> tuple[list[PlanNode], dict[int, LiveState], dict[tuple[int, str], date]]:
        """A roadmap's live tree, the tasks' states and the reports of recurring ones."""
        rows = (
            await self.session.execute(
                select(
                    Task.id,
                    Task.parent_id,
                    Task.status,
                    Task.start_date,
                    Task.due_date,
                    Task.recurrence,
                    Task.completed_on,
                    Task.cancelled_on,
                ).where(Task.roadmap_id == roadmap_id)
            )
        ).all()
        nodes = [PlanNode(r[0], r[1], TaskStatus(r[2]), r[3], r[4], Recurrence(r[5])) for r in rows]
        live = {r[0]: LiveState(TaskStatus(r[2]), r[6], r[7]) for r in rows}
        reports = await self.session.execute(
            select(TaskReport.task_id, TaskReport.period, TaskReport.completed_on)
            .join(Task, Task.id == TaskReport.task_id)
            .where(Task.roadmap_id == roadmap_id)
        )
        return nodes, live, {(t, p): d for t, p, d in reports.all()}

    async def due_tasks(self, q: DueQuery, limit: int) -> list[tuple[Task, str]]:
        """Open tasks due by ``as_of + within_days``, soonest first, with their region."""
        query = select(Task, Roadmap.region_code).where(*q.conditions()).order_by(Task.due_date, Task.id).limit(limit)
        result = await self.session.execute(query)
        return [(task, region) for task, region in result.all()]

    async def due_groups(self, q: DueQuery, by: str) -> list[DueGroupCounts]:
        """Overdue and soon-due counts per responsible or per org unit."""
        key = Task.responsible if by == "responsible" else Task.org_unit_code
        query = (
            select(key, _count(Task.due_date <= q.as_of), _count(Task.due_date > q.as_of))
            .where(*q.conditions())
            .group_by(key)
            .order_by(key)
        )
        result = await self.session.execute(query)
        return [DueGroupCounts(k, int(o), int(s)) for k, o, s in result.all()]

    async def plan_tasks(self, version_id: int) -> list[tuple[PlanTask, Task]]:
        """A version's own plan rows (approved dates) with the live tasks, by approved due date."""
        result = await self.session.execute(
            select(PlanTask, Task)
            .join(Task, Task.id == PlanTask.task_id)
            .where(PlanTask.version_id == version_id, PlanTask.occurrence == "")
            .order_by(PlanTask.due_date, PlanTask.task_id)
        )
        return [(plan, task) for plan, task in result.all()]
