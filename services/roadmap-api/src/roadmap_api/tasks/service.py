"""Use cases of roadmap tasks: the tree, dates, status, comments and the journal.

Who may do what with a task (the scope is part of every query: outside it a task is not found):

* ``federal`` and the ``regional_admin`` of the roadmap's region: everything.
* an ``mo_operator`` (or a ``regional_admin`` scoped below the region) whose scope covers the org
  unit that carries the task out (``org_unit_code``): the polyclinic's own hand — its status, dates,
  progress and actual result (:data:`OPERATOR_FIELDS`), comments, and the periodic reports of a
  recurring task; nothing else (title, responsible, the tree: 403 naming the fields). It sees only
  the tasks of its org units: another organisation's task is a 404.
* everyone else who can see the roadmap reads.

Every change is a compare-and-set on the task's version (:mod:`roadmap_api.concurrency`) and
journalled field by field. Cancelling a task cancels its open subtasks with it (a cancelled activity
has no work left under it); reopening is done task by task.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.concurrency import compare_and_set, require_version
from roadmap_api.models import PlanTask, Roadmap, Task, TaskComment
from roadmap_api.regions import Scope, check_org_unit_in_region, local_date, org_unit_path, require_writer
from roadmap_api.roadmaps.errors import RoadmapNotFound, TaskNotFound, translate
from roadmap_api.roadmaps.journal import Journal
from roadmap_api.roadmaps.repository import RoadmapRepository
from roadmap_api.roadmaps.service import open_for_changes
from roadmap_api.tasks.rules import (
    Recurrence,
    TaskLevel,
    TaskRuleError,
    TaskStatus,
    ancestors,
    depth_of,
    level_under,
    validate_completion,
    validate_dates,
    validate_move,
    validate_status_change,
)
from roadmap_api.tasks.schemas import TaskCreate, TaskRead, TaskUpdate
from zdrav_shared.auth import FEDERATION_CODE, Principal, Role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import FieldError, Forbidden, Unprocessable

log = get_logger(__name__)

JOURNALLED = (
    "title",
    "parent_id",
    "start_date",
    "due_date",
    "recurrence",
    "responsible",
    "responsible_bodies",
    "co_assignees",
    "expected_result",
    "org_unit_code",
    "status",
    "completed_on",
    "cancelled_on",
    "progress_pct",
    "actual_result",
)
REQUIRED = ("title", "start_date", "due_date", "responsible", "responsible_bodies", "co_assignees", "recurrence")
OPERATOR_FIELDS = frozenset({"status", "completed_on", "start_date", "due_date", "progress_pct", "actual_result"})
OPEN = (TaskStatus.PLANNED.value, TaskStatus.IN_PROGRESS.value)


class Access(Enum):
    FULL = "full"
    OPERATOR = "operator"


def region_today(roadmap: Roadmap, now: datetime | None = None) -> date:
    """Today's date in the roadmap's region (Russia spans 11 zones)."""
    return local_date(roadmap.timezone, now or utcnow())


def task_read(task: Task, plan: PlanTask | None = None) -> TaskRead:
    """The task; ``plan`` is its own row in the version in force (its approved dates)."""
    return TaskRead(
        id=task.id,
        roadmap_id=task.roadmap_id,
        parent_id=task.parent_id,
        level=TaskLevel(task.level).name.lower(),
        title=task.title,
        expected_result=task.expected_result,
        start_date=task.start_date,
        due_date=task.due_date,
        baseline_start_date=plan.start_date if plan else None,
        baseline_due_date=plan.due_date if plan else None,
        in_approved_plan=plan is not None,
        recurrence=Recurrence(task.recurrence),
        responsible=task.responsible,
        responsible_bodies=list(task.responsible_bodies),
        co_assignees=list(task.co_assignees),
        org_unit_code=task.org_unit_code,
        status=TaskStatus(task.status),
        completed_on=task.completed_on,
        cancelled_on=task.cancelled_on,
        progress_pct=task.progress_pct,
        actual_result=task.actual_result,
        version=task.version,
        created_at=task.created_at,
        updated_at=task.updated_at,
    )


def _snapshot(task: Task) -> dict[str, object]:
    return {name: getattr(task, name) for name in JOURNALLED}


class TaskService:
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        org_units: OrgUnitClient | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session = session
        self.repo = RoadmapRepository(session)
        self.principal = principal
        self.scope = Scope.of(principal)
        self.org_units = org_units
        self.clock = clock
        self.journal = Journal(self.repo, principal.sub)

    # -- reading and access ----------------------------------------------------------------------

    async def load(self, task_id: int) -> tuple[Task, Roadmap]:
        """The task and its roadmap, if the caller may see them (404 otherwise)."""
        found = await self.repo.visible_task(task_id, self.scope)
        if found is None:
            raise TaskNotFound(task_id)
        return found

    async def read(self, task_id: int) -> TaskRead:
        task, roadmap = await self.load(task_id)
        return task_read(task, (await self.repo.plan_dates(roadmap, [task.id])).get(task.id))

    async def reads(self, roadmap: Roadmap, tasks: list[Task]) -> list[TaskRead]:
        plans = await self.repo.plan_dates(roadmap, [t.id for t in tasks])
        return [task_read(t, plans.get(t.id)) for t in tasks]

    def access(self, task: Task, roadmap: Roadmap) -> Access | None:
        """What the caller may change on a task it can see."""
        if self.principal.has_role(Role.FEDERAL, Role.REGIONAL_ADMIN) and self.scope.covers_region(roadmap.region_code):
            return Access.FULL
        if (
            self.principal.has_role(Role.REGIONAL_ADMIN, Role.MO_OPERATOR)
            and task.org_unit_code is not None
            and self.scope.covers_path(task.org_unit_path)
        ):
            return Access.OPERATOR
        return None

    async def load_for_write(self, task_id: int) -> tuple[Task, Roadmap, Access]:
        task, roadmap = await self.load(task_id)
        access = self.access(task, roadmap)
        if access is None:
            raise Forbidden(
                f"task {task_id} is changed by the region's writers (federal, regional_admin) and by the "
                "mo_operator of the org unit that carries it out"
                + ("" if task.org_unit_code else "; it has no org unit"),
            )
        return task, roadmap, access

    def today(self, roadmap: Roadmap) -> date:
        return region_today(roadmap, self.clock())

    # -- writes ------------------------------------------------------------------------------------

    async def _parent(self, roadmap: Roadmap, parent_id: int) -> Task:
        parent = await self.repo.get_task(parent_id)
        if parent is None or parent.roadmap_id != roadmap.id:
            raise Unprocessable(f"task {parent_id} is not a task of roadmap {roadmap.id}", pointer="/parent_id")
        if parent.status == TaskStatus.CANCELLED:
            raise Unprocessable(
                f"task {parent_id} is cancelled: reopen it before placing tasks under it", pointer="/parent_id"
            )
        return parent

    async def _org_unit_path(self, roadmap: Roadmap, code: str) -> str:
        unit = await check_org_unit_in_region(self.org_units, code, roadmap.region_code, "/org_unit_code")
        if unit is None:  # the demo loader trusts its own data: the unit sits right under the region
            return org_unit_path([FEDERATION_CODE, roadmap.region_code, code])
        return org_unit_path(unit.path or [FEDERATION_CODE, roadmap.region_code, code])

    async def create(self, roadmap_id: int, data: TaskCreate) -> Task:
        roadmap = await self.repo.get(roadmap_id, self.scope)
        if roadmap is None:
            raise RoadmapNotFound(roadmap_id)
        require_writer(self.principal, roadmap.region_code)
        open_for_changes(roadmap)
        try:
            parent_level = TaskLevel((await self._parent(roadmap, data.parent_id)).level) if data.parent_id else None
            level = level_under(parent_level)
            validate_dates(data.start_date, data.due_date)
        except TaskRuleError as error:
            raise translate(error) from error
        path = await self._org_unit_path(roadmap, data.org_unit_code) if data.org_unit_code else None
        task = Task(
            roadmap_id=roadmap.id,
            parent_id=data.parent_id,
            level=int(level),
            title=data.title,
            expected_result=data.expected_result,
            start_date=data.start_date,
            due_date=data.due_date,
            recurrence=data.recurrence.value,
            responsible=data.responsible,
            responsible_bodies=list(data.responsible_bodies or [data.responsible]),
            co_assignees=list(data.co_assignees),
            org_unit_code=data.org_unit_code,
            org_unit_path=path,
            status=TaskStatus.PLANNED.value,
            version=1,
        )
        self.repo.add(task)
        await self.repo.flush()
        self.journal.record(
            roadmap_id=roadmap.id,
            entity="task",
            entity_id=task.id,
            task_id=task.id,
            action="created",
            before={},
            after=_snapshot(task),
        )
        await self.repo.flush()
        log.info("task_created", task_id=task.id, roadmap_id=roadmap.id, by=self.principal.sub)
        return task

    async def update(self, task_id: int, data: TaskUpdate, if_match: str | None) -> TaskRead:
        changes = data.model_dump(exclude_unset=True)
        read_version = changes.pop("version", None)
        if if_match is None and read_version is not None:
            if_match = str(read_version)
        for name in REQUIRED:
            if name in changes and changes[name] is None:
                raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")

        async def attempt() -> TaskRead:
            task, roadmap = await self._update(task_id, dict(changes), if_match)
            return task_read(task, (await self.repo.plan_dates(roadmap, [task.id])).get(task.id))

        return await compare_and_set(
            self.session,
            attempt,
            if_match=if_match,
            current_version=lambda: self.repo.task_version_of(task_id),
            what=f"task {task_id}",
        )

    async def _update(self, task_id: int, changes: dict[str, object], if_match: str | None) -> tuple[Task, Roadmap]:
        task, roadmap, access = await self.load_for_write(task_id)
        if access is Access.OPERATOR:
            refused = sorted(set(changes) - OPERATOR_FIELDS)
            if refused:
                raise Forbidden(
                    "the mo_operator of a task's org unit may change only "
                    + ", ".join(sorted(OPERATOR_FIELDS))
                    + f"; not {', '.join(refused)}",
                    errors=[FieldError(pointer=f"/{name}", message="not yours to change") for name in refused],
                    reason="operator_fields",
                )
        require_version(if_match, task.version, f"task {task.id}")
        open_for_changes(roadmap)
        today = self.today(roadmap)
        before = _snapshot(task)
        current = TaskStatus(task.status)
        try:
            if "parent_id" in changes and changes["parent_id"] != task.parent_id:
                await self._move(task, roadmap, changes["parent_id"])  # type: ignore[arg-type]
            validate_dates(changes.get("start_date", task.start_date), changes.get("due_date", task.due_date))  # type: ignore[arg-type]
            new_status = TaskStatus(str(changes.get("status") or current))
            validate_status_change(current, new_status)
            if new_status is not TaskStatus.DONE and "completed_on" not in changes:
                changes["completed_on"] = None  # leaving "done" clears the date that meant "done"
            validate_completion(new_status, changes.get("completed_on", task.completed_on), today=today)  # type: ignore[arg-type]
        except TaskRuleError as error:
            raise translate(error) from error
        changes["status"] = new_status.value
        if new_status is TaskStatus.CANCELLED:
            changes["cancelled_on"] = task.cancelled_on if current is TaskStatus.CANCELLED else today
        else:
            changes["cancelled_on"] = None
        if "org_unit_code" in changes and changes["org_unit_code"] != task.org_unit_code:
            code = changes["org_unit_code"]
            task.org_unit_path = await self._org_unit_path(roadmap, str(code)) if code is not None else None
        for name, value in changes.items():
            setattr(task, name, value)
        if self.journal.record(
            roadmap_id=roadmap.id,
            entity="task",
            entity_id=task.id,
            task_id=task.id,
            action="updated",
            before=before,
            after=_snapshot(task),
        ):
            task.version += 1
        if new_status is TaskStatus.CANCELLED and current is not TaskStatus.CANCELLED:
            await self._cancel_subtasks(task, roadmap, today)
        await self.repo.flush()
        log.info("task_updated", task_id=task.id, by=self.principal.sub)
        return task, roadmap

    async def _cancel_subtasks(self, task: Task, roadmap: Roadmap, today: date) -> None:
        tasks = await self.repo.tasks(roadmap.id)
        links = {t.id: t.parent_id for t in tasks}
        for child in tasks:
            if child.status in OPEN and task.id in ancestors(child.id, links):
                before = _snapshot(child)
                child.status, child.cancelled_on = TaskStatus.CANCELLED.value, today
                child.version += 1
                self.journal.record(
                    roadmap_id=roadmap.id,
                    entity="task",
                    entity_id=child.id,
                    task_id=child.id,
                    action="cancelled_with",
                    before=before | {"cancelled_with": None},
                    after=_snapshot(child) | {"cancelled_with": task.id},
                )

    async def _move(self, task: Task, roadmap: Roadmap, new_parent_id: int | None) -> None:
        if new_parent_id is not None and new_parent_id != task.id:
            await self._parent(roadmap, new_parent_id)
        links = await self.repo.parent_links(roadmap.id)
        level = validate_move(task.id, new_parent_id, links)
        links[task.id] = new_parent_id
        # The whole subtree moves with the task: recompute the level of every node below it.
        subtree = [node for node in links if node == task.id or task.id in ancestors(node, links)]
        levels = {node: depth_of(node, links) for node in subtree if node != task.id}
        task.level = int(level)
        await self.repo.set_levels(levels)

    async def add_comment(self, task_id: int, text: str) -> TaskComment:
        task, roadmap, _ = await self.load_for_write(task_id)
        comment = TaskComment(task_id=task.id, author=self.principal.sub, text=text, created_at=self.clock())
        self.repo.add(comment)
        await self.repo.flush()
        self.journal.record(
            roadmap_id=roadmap.id,
            entity="comment",
            entity_id=comment.id,
            task_id=task.id,
            action="created",
            before={},
            after={"text": text},
        )
        await self.repo.flush()
        return comment
