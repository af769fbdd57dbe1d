"""All SQL of follow-ups (and what they read of projects, roadmaps and tasks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.followups.rules import ACTIVE_ROADMAP_STATUSES, OPEN_PROJECT_STATUSES
from roadmap_api.models import Followup, ImprovementProject, JournalEntry, Roadmap, Task
from roadmap_api.regions import Scope
from roadmap_api.tasks.rules import TaskStatus


class FollowupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    async def by_response(self, response_id: str) -> Followup | None:
        query = select(Followup).where(Followup.response_id == response_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get(self, followup_id: int, scope: Scope) -> Followup | None:
        query = select(Followup).where(Followup.id == followup_id, scope.path_clause(Followup.org_unit_path))
        return (await self.session.execute(query)).scalar_one_or_none()

    def _listed(self, scope: Scope, region: str | None, org_unit: str | None) -> Select[Any]:
        query = select(Followup).where(scope.path_clause(Followup.org_unit_path))
        if region is not None:
            query = query.where(Followup.region_code == region)
        if org_unit is not None:
            query = query.where(Followup.org_unit_code == org_unit)
        return query

    async def page(
        self, scope: Scope, region: str | None, org_unit: str | None, after_id: int | None, limit: int
    ) -> list[Followup]:
        query = self._listed(scope, region, org_unit)
        if after_id is not None:
            query = query.where(Followup.id > after_id)
        return list((await self.session.execute(query.order_by(Followup.id).limit(limit))).scalars())

    async def in_period(self, scope: Scope, region: str | None, start: date, end: date) -> list[Followup]:
        query = self._listed(scope, region, None).where(Followup.submitted_on >= start, Followup.submitted_on <= end)
        return list((await self.session.execute(query.order_by(Followup.id))).scalars())

    async def open_project(self, region_code: str, org_unit_code: str) -> ImprovementProject | None:
        """The org unit's open improvement project: running ones before planned ones, newest first."""
        query = select(ImprovementProject).where(
            ImprovementProject.region_code == region_code,
            ImprovementProject.status.in_(OPEN_PROJECT_STATUSES),
            (ImprovementProject.org_unit_code == org_unit_code)
            | (ImprovementProject.pilot_org_unit_code == org_unit_code),
        )
        rows = list((await self.session.execute(query.order_by(ImprovementProject.id.desc()))).scalars())
        rows.sort(key=lambda p: OPEN_PROJECT_STATUSES.index(p.status))
        return rows[0] if rows else None

    async def active_roadmap(self, region_code: str, org_unit_code: str) -> Roadmap | None:
        """The region's approved or running roadmap, one with tasks of the org unit first, newest first."""
        own = exists().where(Task.roadmap_id == Roadmap.id, Task.org_unit_code == org_unit_code)
        query = select(Roadmap, own.label("own")).where(
            Roadmap.region_code == region_code, Roadmap.status.in_(ACTIVE_ROADMAP_STATUSES)
        )
        rows = (await self.session.execute(query.order_by(Roadmap.id.desc()))).all()
        if not rows:
            return None
        chosen = next((row for row in rows if row.own), rows[0])
        roadmap: Roadmap = chosen[0]
        return roadmap

    async def tasks_done_at(self, task_ids: Sequence[int]) -> dict[int, datetime | None]:
        """For each task, when it was last marked done (its journal), or None while it is not done."""
        if not task_ids:
            return {}
        tasks = (await self.session.execute(select(Task.id, Task.status).where(Task.id.in_(list(task_ids))))).all()
        done = [row.id for row in tasks if row.status == TaskStatus.DONE.value]
        found: dict[int, datetime | None] = {row.id: None for row in tasks}
        if done:
            entries = await self.session.execute(
                select(JournalEntry.task_id, JournalEntry.after, JournalEntry.at).where(
                    JournalEntry.task_id.in_(done), JournalEntry.field == "status"
                )
            )
            for task_id, after, at in entries.all():
                if after == TaskStatus.DONE.value and task_id is not None:
                    current = found.get(task_id)
                    found[task_id] = at if current is None or at > current else current
        return found
