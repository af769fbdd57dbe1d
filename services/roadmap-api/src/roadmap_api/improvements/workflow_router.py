"""HTTP layer of the projects' own workflow: comments, passport approval and the New-model criteria."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from roadmap_api.deps import Caller, RowId, Session, WriterOrOperator
from roadmap_api.improvements.rules import CRITERIA_RU
from roadmap_api.improvements.schemas import (
    CommentCreate,
    CommentRead,
    CriterionRead,
    ImprovementRead,
    PassportStep,
)
from roadmap_api.improvements.workflow import ImprovementWorkflow
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/improvement-projects", tags=["improvement-projects"], route_class=CommittingRoute)
criteria_router = APIRouter(prefix="/v1/new-model-criteria", tags=["improvement-projects"])


@criteria_router.get(
    "",
    response_model=list[CriterionRead],
    operation_id="list_new_model_criteria",
    summary="The New-model criteria improvement projects target",
    responses=problem_responses(401),
)
async def list_new_model_criteria(caller: Caller) -> list[CriterionRead]:
    """As the federal centre's New-model report groups them (tables 1–3)."""
    return [CriterionRead(code=c, name_ru=name, lean_report_table=table) for c, (name, table) in CRITERIA_RU.items()]


@router.post(
    "/{project_id}/comments",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentRead,
    operation_id="create_improvement_comment",
    summary="Comment on a project",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def create_improvement_comment(
    project_id: RowId, body: CommentCreate, session: Session, caller: WriterOrOperator
) -> CommentRead:
    """By the region's writers or an mo_operator of the project's organisation."""
    row = await ImprovementWorkflow(session, caller).comment(project_id, body)
    return CommentRead.model_validate(row, from_attributes=True)


@router.get(
    "/{project_id}/comments",
    response_model=Page[CommentRead],
    operation_id="list_improvement_comments",
    summary="A project's comments",
    responses=problem_responses(401, 404, 422),
)
async def list_improvement_comments(
    project_id: RowId, session: Session, caller: Caller, page: Annotated[PageParams, Depends(page_params)]
) -> Page[CommentRead]:
    """Oldest first."""
    after = int(page.after[0]) if page.after and isinstance(page.after[0], int) else None
    rows = await ImprovementWorkflow(session, caller).comments(project_id, after, page.limit + 1)
    return make_page([CommentRead.model_validate(r, from_attributes=True) for r in rows], page, lambda r: [r.id])


@router.post(
    "/{project_id}/passport",
    response_model=ImprovementRead,
    operation_id="step_improvement_passport",
    summary="Submit, approve or return the project's passport",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def step_improvement_passport(
    project_id: RowId, body: PassportStep, session: Session, caller: WriterOrOperator, response: Response
) -> ImprovementRead:
    """draft → submitted → approved by the regional centre (recorded: who, when, which body); a
    submitted or approved passport may be returned to be corrected. The one who submitted it cannot
    approve it (403 `four_eyes`). An approved passport is locked. Writers of the region only."""
    workflow = ImprovementWorkflow(session, caller)
    project = await workflow.passport(project_id, body)
    read = await workflow.projects.read(project)
    response.headers["ETag"] = etag(read.version)
    return read
