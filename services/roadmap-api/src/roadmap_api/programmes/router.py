"""HTTP layer of programme plans and financing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from roadmap_api.deps import Caller, OrgUnits, RegionWriter, RowId, Session
from roadmap_api.programmes.schemas import (
    FinancingReplace,
    FinancingTotals,
    PlanItemRead,
    PlanReplace,
    ProgrammeCreate,
    ProgrammeRead,
)
from roadmap_api.programmes.service import ProgrammeService, plan_item_read
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/programmes", tags=["programmes"], route_class=CommittingRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgrammeRead,
    operation_id="create_programme",
    summary="Create a regional programme",
    responses=problem_responses(400, 401, 403, 409, 413, 422, 503),
)
async def create_programme(
    body: ProgrammeCreate, session: Session, caller: RegionWriter, org_units: OrgUnits, response: Response
) -> ProgrammeRead:
    """A programme of a region over a span of years. Writers: `federal`, or `regional_admin` of the region."""
    programme = await ProgrammeService(session, caller, org_units).create(body)
    response.headers["Location"] = f"/v1/programmes/{programme.id}"
    response.headers["ETag"] = etag(programme.version)
    return ProgrammeRead.model_validate(programme, from_attributes=True)


@router.get(
    "",
    response_model=Page[ProgrammeRead],
    operation_id="list_programmes",
    summary="List programmes",
    responses=problem_responses(401, 422),
)
async def list_programmes(
    session: Session, caller: Caller, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ProgrammeRead]:
    """Programmes of the regions in the caller's scope, ordered by id."""
    after = int(page.after[0]) if page.after and isinstance(page.after[0], int) else None
    rows = await ProgrammeService(session, caller).list_programmes(after, page.limit + 1)
    return make_page([ProgrammeRead.model_validate(p, from_attributes=True) for p in rows], page, lambda p: [p.id])


@router.get(
    "/{programme_id}",
    response_model=ProgrammeRead,
    operation_id="get_programme",
    summary="Get a programme",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_programme(programme_id: RowId, session: Session, caller: Caller, response: Response) -> ProgrammeRead:
    """The programme's passport."""
    programme = await ProgrammeService(session, caller).load(programme_id)
    response.headers["ETag"] = etag(programme.version)
    return ProgrammeRead.model_validate(programme, from_attributes=True)


@router.put(
    "/{programme_id}/plan",
    response_model=list[PlanItemRead],
    operation_id="replace_programme_plan",
    summary="Replace the plan: goals, tasks and activities",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def replace_programme_plan(
    programme_id: RowId, body: PlanReplace, session: Session, caller: RegionWriter
) -> list[PlanItemRead]:
    """Goal → task → activity with start and end terms (a date, or `ongoing`, `annually`, `event`
    with the printed text), responsible bodies and the result document. A task whose goal, or an
    activity whose task, is missing, a duplicate number or an end before the start is a 422 and
    nothing is applied."""
    rows = await ProgrammeService(session, caller).replace_plan(programme_id, body.items)
    return [plan_item_read(r) for r in rows]


@router.get(
    "/{programme_id}/plan",
    response_model=list[PlanItemRead],
    operation_id="get_programme_plan",
    summary="The plan of a programme",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_programme_plan(programme_id: RowId, session: Session, caller: Caller) -> list[PlanItemRead]:
    """Items in the order they were sent."""
    service = ProgrammeService(session, caller)
    programme = await service.load(programme_id)
    return [plan_item_read(r) for r in await service.repo.items(programme.id)]


@router.put(
    "/{programme_id}/financing",
    response_model=FinancingTotals,
    operation_id="replace_programme_financing",
    summary="Replace the financing lines and the published totals they must reconcile with",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def replace_programme_financing(
    programme_id: RowId, body: FinancingReplace, session: Session, caller: RegionWriter
) -> FinancingTotals:
    """Lines are activity × source × year in thousand rubles, each with its budget classification
    codes (`kbk`, several per cell). Every `declared` total (an activity's total per year, a
    whole-period column, the programme block) is reconciled with the sum of its lines: one that
    does not add up is stored as printed and named in `warnings` (it is the printed document, not
    an input error). Plan activities marked «не требуют финансирования» are not missing amounts;
    activities with neither financing nor that mark are listed in `unfinanced` and `warnings`."""
    return await ProgrammeService(session, caller).replace_financing(programme_id, body)


@router.get(
    "/{programme_id}/financing",
    response_model=FinancingTotals,
    operation_id="get_programme_financing",
    summary="Financing totals per year, per source and per activity",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_programme_financing(programme_id: RowId, session: Session, caller: Caller) -> FinancingTotals:
    """Computed in the database; the total, the sum per year and the sum per activity reconcile.
    `warnings` lists printed totals that do not add up and activities without financing."""
    return await ProgrammeService(session, caller).totals(programme_id)
