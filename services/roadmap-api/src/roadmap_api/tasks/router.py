"""HTTP layer of roadmap tasks and their comments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from roadmap_api.deps import Caller, OrgUnits, RowId, Session
from roadmap_api.regions import WRITER_ROLES
from roadmap_api.roadmaps.schemas import JournalRead
from roadmap_api.roadmaps.service import RoadmapService
from roadmap_api.tasks.schemas import CommentCreate, CommentRead, TaskCreate, TaskRead, TaskUpdate
from roadmap_api.tasks.service import TaskService, task_read
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(tags=["tasks"], route_class=CommittingRoute)

Writer = Annotated[Principal, Depends(role_required(*WRITER_ROLES))]

IfMatch = Annotated[str | None, Header(alias="If-Match", description="ETag from the last read")]
Paging = Annotated[PageParams, Depends(page_params)]


def _after(page: PageParams) -> int | None:
    return int(page.after[0]) if page.after and isinstance(page.after[0], int) else None


@router.post(
    "/v1/roadmaps/{roadmap_id}/tasks",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskRead,
    operation_id="create_task",
    summary="Add an activity, task or subtask to a roadmap",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 503),
)
async def create_task(
    roadmap_id: RowId, body: TaskCreate, session: Session, caller: Writer, org_units: OrgUnits, response: Response
) -> TaskRead:
    """Without `parent_id` the node is an activity; under an activity a task, under a task a
    subtask (a subtask has no children: 422). `due_date` before `start_date` is a 422. A task added
    after approval has no baseline dates."""
    task = await TaskService(session, caller, org_units).create(roadmap_id, body)
    response.headers["ETag"] = etag(task.version)
    response.headers["Location"] = f"/v1/tasks/{task.id}"
    return task_read(task)


@router.get(
    "/v1/roadmaps/{roadmap_id}/tasks",
    response_model=Page[TaskRead],
    operation_id="list_tasks",
    summary="The tasks of a roadmap",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_tasks(roadmap_id: RowId, session: Session, caller: Caller, page: Paging) -> Page[TaskRead]:
    """The whole tree, flat, ordered by id; `parent_id` and `level` rebuild it."""
    service = RoadmapService(session, caller)
    roadmap = await service.load(roadmap_id)
    tasks = sorted(await service.repo.tasks(roadmap.id), key=lambda t: t.id)
    after = _after(page)
    rows = [task_read(t) for t in tasks if after is None or t.id > after][: page.limit + 1]
    return make_page(rows, page, lambda t: [t.id])


@router.get(
    "/v1/tasks/{task_id}",
    response_model=TaskRead,
    operation_id="get_task",
    summary="Get a task",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_task(task_id: RowId, session: Session, caller: Caller, response: Response) -> TaskRead:
    """The task with its baseline dates (set when the roadmap was approved)."""
    task, _ = await TaskService(session, caller).load(task_id)
    response.headers["ETag"] = etag(task.version)
    return task_read(task)


@router.patch(
    "/v1/tasks/{task_id}",
    response_model=TaskRead,
    operation_id="update_task",
    summary="Update a task: status, completion, dates, people, place in the tree",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 503),
)
async def update_task(
    task_id: RowId,
    body: TaskUpdate,
    session: Session,
    caller: Writer,
    org_units: OrgUnits,
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    """Status moves planned → in_progress → done, any → cancelled (409 otherwise); `done` needs
    `completed_on`, not after today in the region. Moving a task under its own descendant is a 422.
    A stale `If-Match` is a 409. Every changed field is journalled with before and after."""
    task = await TaskService(session, caller, org_units).update(task_id, body, if_match)
    response.headers["ETag"] = etag(task.version)
    return task_read(task)


@router.get(
    "/v1/tasks/{task_id}/journal",
    response_model=Page[JournalRead],
    operation_id="get_task_journal",
    summary="The change journal of a task",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_task_journal(task_id: RowId, session: Session, caller: Caller, page: Paging) -> Page[JournalRead]:
    """Field-level changes of the task and its comments, oldest first."""
    service = TaskService(session, caller)
    task, roadmap = await service.load(task_id)
    rows = await service.repo.journal(roadmap.id, task_id=task.id, after_id=_after(page), limit=page.limit + 1)
    return make_page([JournalRead.model_validate(r, from_attributes=True) for r in rows], page, lambda r: [r.id])


@router.post(
    "/v1/tasks/{task_id}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentRead,
    operation_id="create_task_comment",
    summary="Comment on a task",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def create_task_comment(task_id: RowId, body: CommentCreate, session: Session, caller: Writer) -> CommentRead:
    """Writers of the roadmap's region may comment."""
    comment = await TaskService(session, caller).add_comment(task_id, body.text)
    return CommentRead.model_validate(comment, from_attributes=True)


@router.get(
    "/v1/tasks/{task_id}/comments",
    response_model=Page[CommentRead],
    operation_id="list_task_comments",
    summary="Comments on a task",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_task_comments(task_id: RowId, session: Session, caller: Caller, page: Paging) -> Page[CommentRead]:
    """Oldest first."""
    service = TaskService(session, caller)
    task, _ = await service.load(task_id)
    rows = await service.repo.comments(task.id, _after(page), page.limit + 1)
    return make_page([CommentRead.model_validate(c, from_attributes=True) for c in rows], page, lambda c: [c.id])
