"""HTTP layer of roadmap tasks and their comments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response, status

from roadmap_api.common import PeriodCode
from roadmap_api.deps import Caller, Clock, OrgUnits, RegionWriter, RowId, Session, WriterOrOperator
from roadmap_api.roadmaps.schemas import JournalRead
from roadmap_api.roadmaps.service import RoadmapService
from roadmap_api.tasks.reports import ReportService
from roadmap_api.tasks.schemas import (
    CommentCreate,
    CommentRead,
    OccurrenceRead,
    ReportList,
    ReportPut,
    TaskCreate,
    TaskRead,
    TaskUpdate,
)
from roadmap_api.tasks.service import TaskService, task_read
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(tags=["tasks"], route_class=CommittingRoute)

# The routes taking WriterOrOperator admit an mo_operator too: the one of the org unit that carries a
# task out updates its status, dates, metrics and
# comments (the service decides which task is whose: another organisation's is a 404).

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
    roadmap_id: RowId,
    body: TaskCreate,
    session: Session,
    caller: RegionWriter,
    org_units: OrgUnits,
    clock: Clock,
    response: Response,
) -> TaskRead:
    """Without `parent_id` the node is an activity; under an activity a task, under a task a
    subtask (a subtask has no children: 422). `due_date` before `start_date` is a 422.

    `org_unit_code` names the organisation that carries the task out (checked against kpi-api, inside
    the roadmap's region): its `mo_operator` may then update the task's status, dates and metrics.
    `responsible_bodies` lists the responsible bodies one by one (default: `[responsible]`).
    `recurrence` is `once`, `ongoing` («на постоянной основе»: confirmed every quarter from
    `start_date` to `due_date`, by `PUT /v1/tasks/{id}/reports/{quarter}`) or `yearly` («ежегодно»:
    due every year on `due_date`'s day and month, reported per year).

    A task added after approval is in the working plan only (`in_approved_plan: false`, no baseline
    dates): it is measured once a revision with it is approved."""
    task = await TaskService(session, caller, org_units, clock).create(roadmap_id, body)
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
    roadmap = await RoadmapService(session, caller).load(roadmap_id)
    service = TaskService(session, caller)
    tasks = sorted(await service.repo.tasks(roadmap.id), key=lambda t: t.id)
    after = _after(page)
    chosen = [t for t in tasks if after is None or t.id > after][: page.limit + 1]
    return make_page(await service.reads(roadmap, chosen), page, lambda t: [t.id])


@router.get(
    "/v1/tasks/{task_id}",
    response_model=TaskRead,
    operation_id="get_task",
    summary="Get a task",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_task(task_id: RowId, session: Session, caller: Caller, response: Response) -> TaskRead:
    """The task with its baseline dates (those of the approved version in force). Visible to the
    readers of the roadmap's region and to the callers whose scope covers the task's org unit;
    anyone else gets a 404, as for an id that does not exist."""
    task = await TaskService(session, caller).read(task_id)
    response.headers["ETag"] = etag(task.version)
    return task


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
    caller: WriterOrOperator,
    org_units: OrgUnits,
    clock: Clock,
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    """From `planned` or `in_progress` any status may be set directly (a task finished without ever
    being marked in progress goes straight to `done`); `done` and `cancelled` reopen to
    `in_progress` only (409 otherwise). `done` needs `completed_on`, not after today in the region.
    Cancelling a task cancels its open subtasks. Moving a task under its own descendant is a 422.

    The write is a compare-and-set on the task's version: with `If-Match`, a stale ETag — or another
    writer getting there first — is a 409 with the current ETag; without it the update applies on
    the current state. Every changed field is journalled with before and after, once.

    The `mo_operator` of the task's org unit may send `status`, `completed_on`, `start_date`,
    `due_date`, `progress_pct` and `actual_result` only (403 naming any other field); another
    organisation's task is a 404. After approval, a moved due date or a cancellation changes the
    deviation, not the execution figure (measured against the approved version)."""
    task = await TaskService(session, caller, org_units, clock).update(task_id, body, if_match)
    response.headers["ETag"] = etag(task.version)
    return task


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
async def create_task_comment(
    task_id: RowId, body: CommentCreate, session: Session, caller: WriterOrOperator, clock: Clock
) -> CommentRead:
    """Writers of the roadmap's region, and the mo_operator of the task's org unit, may comment."""
    comment = await TaskService(session, caller, clock=clock).add_comment(task_id, body.text)
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


@router.put(
    "/v1/tasks/{task_id}/reports/{period}",
    response_model=OccurrenceRead,
    operation_id="put_task_report",
    summary="Report a period of an ongoing or yearly task as carried out",
    responses={
        **problem_responses(400, 401, 403, 404, 409, 413, 422),
        201: {"description": "The report was recorded", "model": OccurrenceRead},
    },
)
async def put_task_report(
    task_id: RowId,
    period: Annotated[PeriodCode, Path(description="A quarter (ongoing task) or a year (yearly task): 2025Q1, 2025")],
    body: ReportPut,
    session: Session,
    caller: WriterOrOperator,
    clock: Clock,
    response: Response,
) -> OccurrenceRead:
    """An ongoing activity («на постоянной основе») counts, quarter by quarter, as carried out when
    its quarter is reported; a yearly one («ежегодно»), year by year. `completed_on` is when the
    period's work was done (on time when on or before the period's due date; not after today in the
    region). 201 for a new report, 200 for a correction (journalled with before and after). A
    period the task does not have is a 422; a one-off task is completed by `PATCH` instead (409).
    The mo_operator of the task's org unit may report."""
    item, created = await ReportService(session, caller, clock).put(task_id, period, body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return item


@router.get(
    "/v1/tasks/{task_id}/reports",
    response_model=ReportList,
    operation_id="list_task_reports",
    summary="The periods of a recurring task and their reports",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_task_reports(task_id: RowId, session: Session, caller: Caller) -> ReportList:
    """Every quarter (ongoing) or year (yearly) the task has in its working plan or in an approved
    version, oldest first, with its due date and its report if one was made. Empty for a one-off
    task."""
    return await ReportService(session, caller).list(task_id)
