"""Use cases of roadmap tasks: the tree, dates, status, comments and the journal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import Roadmap, Task, TaskComment
from roadmap_api.regions import check_org_unit_in_region, require_reader, require_writer
from roadmap_api.roadmaps.errors import RoadmapNotFound, TaskNotFound, translate
from roadmap_api.roadmaps.journal import Journal
from roadmap_api.roadmaps.repository import RoadmapRepository
from roadmap_api.roadmaps.service import open_for_changes
from roadmap_api.tasks.rules import (
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
from zdrav_shared.auth import Principal
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import Unprocessable

log = get_logger(__name__)

JOURNALLED = (
    "title",
    "parent_id",
    "start_date",
    "due_date",
    "responsible",
    "co_assignees",
    "expected_result",
    "org_unit_code",
    "status",
    "completed_on",
)
REQUIRED = ("title", "start_date", "due_date", "responsible", "co_assignees")


def region_today(roadmap: Roadmap, now: datetime | None = None) -> date:
    """Today's date in the roadmap's region (Russia spans 11 zones)."""
    now = now or datetime.now(UTC)
    try:
        zone = ZoneInfo(roadmap.timezone) if roadmap.timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return now.astimezone(zone).date()


def task_read(task: Task) -> TaskRead:
    return TaskRead(
        id=task.id,
        roadmap_id=task.roadmap_id,
        parent_id=task.parent_id,
        level=TaskLevel(task.level).name.lower(),
        title=task.title,
        expected_result=task.expected_result,
        start_date=task.start_date,
        due_date=task.due_date,
        baseline_start_date=task.baseline_start_date,
        baseline_due_date=task.baseline_due_date,
        responsible=task.responsible,
        co_assignees=list(task.co_assignees),
        org_unit_code=task.org_unit_code,
        status=TaskStatus(task.status),
        completed_on=task.completed_on,
        version=task.version,
        created_at=task.created_at,
        updated_at=task.updated_at,
    )


def _snapshot(task: Task) -> dict[str, object]:
    return {name: getattr(task, name) for name in JOURNALLED}


class TaskService:
    def __init__(self, session: AsyncSession, principal: Principal, org_units: OrgUnitClient | None = None) -> None:
        self.repo = RoadmapRepository(session)
        self.principal = principal
        self.org_units = org_units
        self.journal = Journal(self.repo, principal.sub)

    async def _roadmap(self, roadmap_id: int) -> Roadmap:
        roadmap = await self.repo.get(roadmap_id)
        if roadmap is None:
            raise RoadmapNotFound(roadmap_id)
        return roadmap

    async def load(self, task_id: int) -> tuple[Task, Roadmap]:
        """The task and its roadmap, if the caller may read them."""
        task = await self.repo.get_task(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        roadmap = await self._roadmap(task.roadmap_id)
        require_reader(self.principal, roadmap.region_code)
        return task, roadmap

    async def _load_for_write(self, task_id: int) -> tuple[Task, Roadmap]:
        task = await self.repo.get_task(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        roadmap = await self._roadmap(task.roadmap_id)
        require_writer(self.principal, roadmap.region_code)
        return task, roadmap

    async def _parent(self, roadmap: Roadmap, parent_id: int) -> Task:
        parent = await self.repo.get_task(parent_id)
        if parent is None or parent.roadmap_id != roadmap.id:
            raise Unprocessable(f"task {parent_id} is not a task of roadmap {roadmap.id}", pointer="/parent_id")
        return parent

    async def create(self, roadmap_id: int, data: TaskCreate) -> Task:
        roadmap = await self._roadmap(roadmap_id)
        require_writer(self.principal, roadmap.region_code)
        open_for_changes(roadmap)
        try:
            parent_level = TaskLevel((await self._parent(roadmap, data.parent_id)).level) if data.parent_id else None
            level = level_under(parent_level)
            validate_dates(data.start_date, data.due_date)
        except TaskRuleError as error:
            raise translate(error) from error
        if data.org_unit_code is not None:
            await check_org_unit_in_region(self.org_units, data.org_unit_code, roadmap.region_code, "/org_unit_code")
        task = Task(
            roadmap_id=roadmap.id,
            parent_id=data.parent_id,
            level=int(level),
            title=data.title,
            expected_result=data.expected_result,
            start_date=data.start_date,
            due_date=data.due_date,
            responsible=data.responsible,
            co_assignees=list(data.co_assignees),
            org_unit_code=data.org_unit_code,
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

    async def update(self, task_id: int, data: TaskUpdate, if_match: str | None) -> Task:
        task, roadmap = await self._load_for_write(task_id)
        check_if_match(if_match, task.version)
        open_for_changes(roadmap)
        changes = data.model_dump(exclude_unset=True)
        for name in REQUIRED:
            if name in changes and changes[name] is None:
                raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")
        before = _snapshot(task)
        try:
            if "parent_id" in changes and changes["parent_id"] != task.parent_id:
                await self._move(task, roadmap, changes["parent_id"])
            validate_dates(changes.get("start_date", task.start_date), changes.get("due_date", task.due_date))
            current = TaskStatus(task.status)
            new_status = TaskStatus(changes.get("status") or current)
            validate_status_change(current, new_status)
            if new_status is not TaskStatus.DONE and "completed_on" not in changes:
                changes["completed_on"] = None  # leaving "done" clears the date that meant "done"
            completed_on = changes.get("completed_on", task.completed_on)
            validate_completion(new_status, completed_on, today=region_today(roadmap))
        except TaskRuleError as error:
            raise translate(error) from error
        if changes.get("org_unit_code") is not None and changes["org_unit_code"] != task.org_unit_code:
            await check_org_unit_in_region(
                self.org_units, changes["org_unit_code"], roadmap.region_code, "/org_unit_code"
            )
        for name, value in changes.items():
            if name == "status":
                value = new_status.value
            setattr(task, name, value)
        after = _snapshot(task)
        if self.journal.record(
            roadmap_id=roadmap.id,
            entity="task",
            entity_id=task.id,
            task_id=task.id,
            action="updated",
            before=before,
            after=after,
        ):
            task.version += 1
        await self.repo.flush()
        log.info("task_updated", task_id=task.id, by=self.principal.sub)
        return task

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
        task, roadmap = await self._load_for_write(task_id)
        comment = TaskComment(task_id=task.id, author=self.principal.sub, text=text)
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
