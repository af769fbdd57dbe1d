"""Reports of recurring tasks: the confirmation, period by period, that an ongoing ("на постоянной
основе") or yearly ("ежегодно") activity was carried out — what execution counts for them
(``roadmap_api.execution.plan``). The periods a task has are those of its working plan and of every
approved version of it (a report is owed for a period the approved plan asked for, even if the
working plan has changed since)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.execution.plan import occurrences
from roadmap_api.models import Task, TaskReport
from roadmap_api.roadmaps.errors import translate
from roadmap_api.roadmaps.service import open_for_changes
from roadmap_api.tasks.rules import Recurrence, TaskRuleError, TaskStatus, validate_completion
from roadmap_api.tasks.schemas import OccurrenceRead, ReportList, ReportPut
from roadmap_api.tasks.service import TaskService
from zdrav_shared.auth import Principal
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import Conflict, Unprocessable


class NotRecurring(Conflict):
    slug = "task-not-recurring"
    title = "The task is not recurring"

    def __init__(self, task_id: int) -> None:
        super().__init__(
            f"task {task_id} is a one-off task: it is completed with PATCH /v1/tasks/{task_id} "
            "(status done, completed_on), not with period reports",
            reason="not_recurring",
        )


class ReportService:
    def __init__(self, session: AsyncSession, principal: Principal, clock: Callable[[], datetime] = utcnow) -> None:
        self.tasks = TaskService(session, principal, clock=clock)
        self.repo = self.tasks.repo
        self.principal = principal
        self.clock = clock

    async def periods(self, task: Task) -> dict[str, OccurrenceRead]:
        live = {
            o.period: o.due_date
            for o in occurrences(Recurrence(task.recurrence), task.start_date, task.due_date)
            if o.period
        }
        planned = await self.repo.planned_occurrences(task.id)
        reports = await self.repo.reports(task.id)
        items = {}
        for period in sorted(set(live) | set(planned) | set(reports)):
            report = reports.get(period)
            items[period] = OccurrenceRead(
                period=period,
                due_date=live.get(period) or planned.get(period) or (report.completed_on if report else task.due_date),
                completed_on=report.completed_on if report else None,
                note=report.note if report else None,
                reported_by=report.reported_by if report else None,
                reported_at=report.reported_at if report else None,
            )
        return items

    async def list(self, task_id: int) -> ReportList:
        task, _ = await self.tasks.load(task_id)
        return ReportList(
            task_id=task.id, recurrence=Recurrence(task.recurrence), items=list((await self.periods(task)).values())
        )

    async def put(self, task_id: int, period: str, data: ReportPut) -> tuple[OccurrenceRead, bool]:
        """Record (or correct) the report of one period; ``True`` when it is new."""
        task, roadmap, _ = await self.tasks.load_for_write(task_id)
        open_for_changes(roadmap)
        known = await self.periods(task)
        if not known:
            raise NotRecurring(task.id)
        if period not in known:
            raise Unprocessable(
                f"task {task.id} has the periods {', '.join(known)}; {period!r} is not one of them",
                pointer="/path/period",
            )
        try:
            validate_completion(TaskStatus.DONE, data.completed_on, today=self.tasks.today(roadmap))
        except TaskRuleError as error:
            raise translate(error) from error
        report = (await self.repo.reports(task.id)).get(period)
        created = report is None
        before: dict[str, object] = {}
        if report is None:
            report = TaskReport(task_id=task.id, period=period, completed_on=data.completed_on, note=data.note)
            self.repo.add(report)
        else:
            before = {"period": period, "completed_on": report.completed_on, "note": report.note}
            report.completed_on, report.note = data.completed_on, data.note
        report.reported_by, report.reported_at = self.principal.sub, self.clock()
        await self.repo.flush()
        self.tasks.journal.record(
            roadmap_id=roadmap.id,
            entity="report",
            entity_id=report.id,
            task_id=task.id,
            action="created" if created else "updated",
            before=before,
            after={"period": period, "completed_on": report.completed_on, "note": report.note},
        )
        await self.repo.flush()
        return (await self.periods(task))[period], created
