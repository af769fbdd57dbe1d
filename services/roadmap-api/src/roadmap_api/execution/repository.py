"""All SQL of execution figures, due lists and deviations.

The SQL classification mirrors :mod:`roadmap_api.execution.rules` exactly: a task counts when it is
not cancelled and ``due_date <= as_of``; it is complete when ``done`` with ``completed_on <= as_of``;
late when that completion is after ``due_date``; otherwise overdue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.execution.rules import TaskFact
from roadmap_api.models import Roadmap, Task
from roadmap_api.tasks.rules import TaskStatus


def _completed_by(as_of: date) -> ColumnElement[bool]:
    return and_(Task.status == TaskStatus.DONE.value, Task.completed_on.is_not(None), Task.completed_on <= as_of)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True, slots=True)
class RoadmapCounts:
    roadmap_id: int
    title: str
    status: str
    on_time: int
    late: int
    overdue: int


@dataclass(frozen=True, slots=True)
class DueGroupCounts:
    key: str | None
    overdue: int
    due_soon: int


@dataclass(frozen=True, slots=True)
class DueQuery:
    """Which open tasks a due list covers; ``regions`` is the caller's scope (None = all)."""

    as_of: date
    within_days: int
    regions: Sequence[str] | None = None
    region_code: str | None = None
    responsible: str | None = None
    org_unit_code: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [
            Task.roadmap_id == Roadmap.id,
            Task.status != TaskStatus.CANCELLED.value,
            not_(_completed_by(self.as_of)),
            Task.due_date <= self.as_of + timedelta(days=self.within_days),
        ]
        if self.regions is not None:
            conditions.append(Roadmap.region_code.in_(list(self.regions)))
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

    async def task_facts(self, roadmap_id: int) -> list[TaskFact]:
        result = await self.session.execute(
            select(Task.status, Task.due_date, Task.completed_on).where(Task.roadmap_id == roadmap_id)
        )
        return [TaskFact(TaskStatus(s), d, c) for s, d, c in result.all()]

    async def region_counts(self, region_code: str, as_of: date) -> list[RoadmapCounts]:
        """Per roadmap of the region (roadmaps with nothing due included), one GROUP BY."""
        return [counts for _, counts in await self.regions_counts(as_of, [region_code])]

    async def regions_counts(self, as_of: date, regions: Sequence[str] | None) -> list[tuple[str, RoadmapCounts]]:
        """``(region_code, counts)`` per roadmap of ``regions`` (None: every region), one GROUP BY,
        ordered by region and roadmap."""
        completed = _completed_by(as_of)
        counted = and_(Task.roadmap_id == Roadmap.id, Task.status != TaskStatus.CANCELLED.value, Task.due_date <= as_of)
        query = (
            select(
                Roadmap.region_code,
                Roadmap.id,
                Roadmap.title,
                Roadmap.status,
                _count(and_(completed, Task.completed_on <= Task.due_date)),
                _count(and_(completed, Task.completed_on > Task.due_date)),
                _count(and_(Task.id.is_not(None), not_(completed))),
            )
            .select_from(Roadmap)
            .outerjoin(Task, counted)
            .group_by(Roadmap.region_code, Roadmap.id, Roadmap.title, Roadmap.status)
            .order_by(Roadmap.region_code, Roadmap.id)
        )
        if regions is not None:
            query = query.where(Roadmap.region_code.in_(sorted(set(regions))))
        result = await self.session.execute(query)
        return [
            (row[0], RoadmapCounts(row[1], row[2], row[3], int(row[4]), int(row[5]), int(row[6])))
            for row in result.all()
        ]

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

    async def baseline_tasks(self, roadmap_id: int) -> list[Task]:
        result = await self.session.execute(
            select(Task)
            .where(Task.roadmap_id == roadmap_id, Task.baseline_due_date.is_not(None))
            .where(Task.status != TaskStatus.CANCELLED.value)
            .order_by(Task.baseline_due_date, Task.id)
        )
        return list(result.scalars())
