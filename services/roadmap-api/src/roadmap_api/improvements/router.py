"""HTTP layer of lean improvement projects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from roadmap_api.deps import Caller, OrgUnits, RegionWriter, RowId, Session, WriterOrOperator
from roadmap_api.improvements.rules import Category
from roadmap_api.improvements.schemas import (
    ImprovementCreate,
    ImprovementRead,
    ImprovementSummary,
    ImprovementUpdate,
    MetricsReplace,
    StagesReplace,
)
from roadmap_api.improvements.service import ImprovementService
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/improvement-projects", tags=["improvement-projects"], route_class=CommittingRoute)

# The routes taking WriterOrOperator admit an mo_operator too: the one of the project's organisation
# updates its progress (status, dates, stages, metrics,
# comments); the service tells progress from passport changes and refuses the rest.

IfMatch = Annotated[str | None, Header(alias="If-Match", description="ETag from the last read")]


async def _answer(service: ImprovementService, project_id: int, response: Response) -> ImprovementRead:
    read = await service.read(await service.load(project_id))
    response.headers["ETag"] = etag(read.version)
    return read


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImprovementRead,
    operation_id="create_improvement_project",
    summary="Create a lean improvement project",
    responses=problem_responses(400, 401, 403, 413, 422, 503),
)
async def create_improvement_project(
    body: ImprovementCreate, session: Session, caller: RegionWriter, org_units: OrgUnits, response: Response
) -> ImprovementRead:
    """The passport (process, problem, goal, team, pilot organisation, category), stages with dates
    and before/after/target metrics; each metric's effect is computed, direction-aware."""
    service = ImprovementService(session, caller, org_units)
    project = await service.create(body)
    response.headers["Location"] = f"/v1/improvement-projects/{project.id}"
    return await _answer(service, project.id, response)


@router.get(
    "",
    response_model=Page[ImprovementSummary],
    operation_id="list_improvement_projects",
    summary="List improvement projects",
    responses=problem_responses(401, 422),
)
async def list_improvement_projects(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    category: Category | None = None,
) -> Page[ImprovementSummary]:
    """Projects of the regions in the caller's scope, ordered by id."""
    after = int(page.after[0]) if page.after and isinstance(page.after[0], int) else None
    rows = await ImprovementService(session, caller).list_projects(category, after, page.limit + 1)
    items = [ImprovementSummary.model_validate(p, from_attributes=True) for p in rows]
    return make_page(items, page, lambda p: [p.id])


@router.get(
    "/{project_id}",
    response_model=ImprovementRead,
    operation_id="get_improvement_project",
    summary="Get an improvement project with stages and effects",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_improvement_project(
    project_id: RowId, session: Session, caller: Caller, response: Response
) -> ImprovementRead:
    """Effects read like the source's "Было / Стало / Эффект": `reduced 3.8×`."""
    return await _answer(ImprovementService(session, caller), project_id, response)


@router.patch(
    "/{project_id}",
    response_model=ImprovementRead,
    operation_id="update_improvement_project",
    summary="Change an improvement project's passport",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_improvement_project(
    project_id: RowId,
    body: ImprovementUpdate,
    session: Session,
    caller: WriterOrOperator,
    response: Response,
    if_match: IfMatch = None,
) -> ImprovementRead:
    """A stale `If-Match` is a 409."""
    service = ImprovementService(session, caller)
    await service.update(project_id, body, if_match)
    return await _answer(service, project_id, response)


@router.put(
    "/{project_id}/stages",
    response_model=ImprovementRead,
    operation_id="replace_improvement_stages",
    summary="Replace the stages with their dates",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def replace_improvement_stages(
    project_id: RowId,
    body: StagesReplace,
    session: Session,
    caller: WriterOrOperator,
    response: Response,
    if_match: IfMatch = None,
) -> ImprovementRead:
    """preparation → diagnosis → target_state → implementation → sustaining_and_closure; a stage may
    not start before an earlier one, nor end before it starts (422)."""
    service = ImprovementService(session, caller)
    await service.replace_stages(project_id, body.items, if_match)
    return await _answer(service, project_id, response)


@router.put(
    "/{project_id}/metrics",
    response_model=ImprovementRead,
    operation_id="replace_improvement_metrics",
    summary="Replace the before/after/target metrics",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def replace_improvement_metrics(
    project_id: RowId,
    body: MetricsReplace,
    session: Session,
    caller: WriterOrOperator,
    response: Response,
    if_match: IfMatch = None,
) -> ImprovementRead:
    """Values are measured quantities (≥ 0)."""
    service = ImprovementService(session, caller)
    await service.replace_metrics(project_id, body.items, if_match)
    return await _answer(service, project_id, response)
