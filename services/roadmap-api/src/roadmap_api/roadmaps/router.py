"""HTTP layer of roadmaps: parse, call the service, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from roadmap_api.deps import Caller, Clock, Kpi, OrgUnits, RegionWriter, RowId, Session
from roadmap_api.roadmaps.measure_template import measure_read
from roadmap_api.roadmaps.schemas import (
    JournalRead,
    KpisReplace,
    MeasureCreate,
    MeasureRead,
    RoadmapCreate,
    RoadmapRead,
    RoadmapSummary,
    RoadmapUpdate,
    StatusChange,
)
from roadmap_api.roadmaps.service import RoadmapBundle, RoadmapService, current_values, roadmap_read
from roadmap_api.tasks.rules import RoadmapStatus
from zdrav_shared.clients.kpi import KpiClient
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/roadmaps", tags=["roadmaps"], route_class=CommittingRoute)


IfMatch = Annotated[str | None, Header(alias="If-Match", description="ETag from the last read")]


def _int_after(page: PageParams) -> int | None:
    return int(page.after[0]) if page.after and isinstance(page.after[0], int) else None


async def _answer(bundle: RoadmapBundle, kpi: KpiClient | None, response: Response) -> RoadmapRead:
    response.headers["ETag"] = etag(bundle.roadmap.version)
    return roadmap_read(bundle, await current_values(kpi, bundle))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RoadmapRead,
    operation_id="create_roadmap",
    summary="Create a roadmap",
    responses=problem_responses(400, 401, 403, 413, 422, 503),
)
async def create_roadmap(
    body: RoadmapCreate,
    session: Session,
    caller: RegionWriter,
    org_units: OrgUnits,
    kpi: Kpi,
    clock: Clock,
    response: Response,
) -> RoadmapRead:
    """A draft roadmap of a region and life situation, with its KPIs (indicator codes of kpi-api)
    and measures: version 1 of its plan, open for editing until approved. Writers: `federal`, or
    `regional_admin` whose scope covers the region."""
    bundle = await RoadmapService(session, caller, org_units, clock).create(body)
    response.headers["Location"] = f"/v1/roadmaps/{bundle.roadmap.id}"
    return await _answer(bundle, kpi, response)


@router.get(
    "",
    response_model=Page[RoadmapSummary],
    operation_id="list_roadmaps",
    summary="List roadmaps",
    responses=problem_responses(401, 422),
)
async def list_roadmaps(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    region_code: Annotated[str | None, Query(max_length=64)] = None,
    status: RoadmapStatus | None = None,
) -> Page[RoadmapSummary]:
    """Roadmaps of the regions in the caller's scope, ordered by id."""
    rows = await RoadmapService(session, caller).list_roadmaps(
        region_code=region_code, status=status, after_id=_int_after(page), limit=page.limit + 1
    )
    items = [RoadmapSummary.model_validate(r, from_attributes=True) for r in rows]
    return make_page(items, page, lambda r: [r.id])


@router.get(
    "/{roadmap_id}",
    response_model=RoadmapRead,
    operation_id="get_roadmap",
    summary="Get a roadmap with its KPIs and measures",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_roadmap(roadmap_id: RowId, session: Session, caller: Caller, kpi: Kpi, response: Response) -> RoadmapRead:
    """The working plan (while a revision is open, its edits; the approved versions are under
    `/versions`). An id outside the caller's scope is a 404, as if it did not exist.

    Each KPI carries its current value from kpi-api's analytics for the region and target
    period; when kpi-api is down or has no value, `current_value` is null and
    `current_value_reason` says why — the roadmap is served regardless."""
    service = RoadmapService(session, caller)
    return await _answer(await service.bundle(await service.load(roadmap_id)), kpi, response)


@router.patch(
    "/{roadmap_id}",
    response_model=RoadmapRead,
    operation_id="update_roadmap",
    summary="Change a roadmap's title or life situation",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_roadmap(
    roadmap_id: RowId,
    body: RoadmapUpdate,
    session: Session,
    caller: RegionWriter,
    kpi: Kpi,
    response: Response,
    if_match: IfMatch = None,
) -> RoadmapRead:
    """A stale `If-Match` is a 409 with the current ETag (a compare-and-set: of concurrent writers
    with the same ETag one wins); every changed field goes to the journal."""
    bundle = await RoadmapService(session, caller).update(roadmap_id, body, if_match)
    return await _answer(bundle, kpi, response)


@router.put(
    "/{roadmap_id}/kpis",
    response_model=RoadmapRead,
    operation_id="replace_roadmap_kpis",
    summary="Replace the KPIs of a draft roadmap or an open revision",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def replace_roadmap_kpis(
    roadmap_id: RowId,
    body: KpisReplace,
    session: Session,
    caller: RegionWriter,
    kpi: Kpi,
    response: Response,
    if_match: IfMatch = None,
) -> RoadmapRead:
    """KPIs with baselines and targets are part of the plan approved as the baseline: once the
    roadmap is approved they are locked (409 with the reason) until a revision is opened."""
    bundle = await RoadmapService(session, caller).replace_kpis(roadmap_id, body.kpis, if_match)
    return await _answer(bundle, kpi, response)


@router.post(
    "/{roadmap_id}/measures",
    status_code=status.HTTP_201_CREATED,
    response_model=MeasureRead,
    operation_id="create_measure",
    summary="Add a measure to a draft roadmap or an open revision",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def create_measure(roadmap_id: RowId, body: MeasureCreate, session: Session, caller: RegionWriter) -> MeasureRead:
    """Problem, causes, solution and best practices used; the "(Ф)" flag with proposals for the
    federal roadmap, reused assets and catalogue best practices (unknown codes are a 422). Locked
    once the roadmap is approved, until a revision is opened."""
    return measure_read(await RoadmapService(session, caller).add_measure(roadmap_id, body))


@router.post(
    "/{roadmap_id}/status",
    response_model=RoadmapRead,
    operation_id="change_roadmap_status",
    summary="Move a roadmap to its next status",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def change_roadmap_status(
    roadmap_id: RowId,
    body: StatusChange,
    session: Session,
    caller: RegionWriter,
    kpi: Kpi,
    clock: Clock,
    response: Response,
    if_match: IfMatch = None,
) -> RoadmapRead:
    """draft → approved → in_progress → completed → scaled, one step at a time (409 otherwise).

    `approved` approves the open version — the first draft, or a revision opened with
    `POST …/revisions` (an approved or running roadmap keeps its status). Approval records who
    recorded it and when, the approvers the method names (`approved_by_governor`,
    `approved_by_agency`, as text) and the act, and freezes the plan: the KPIs, the measures and
    every task's dates. From the approval's date in the region, execution is measured against that
    version; moving a date or cancelling a task afterwards shows as a deviation, not as a new plan.
    Completing a roadmap with a revision open is a 409."""
    bundle = await RoadmapService(session, caller, clock=clock).change_status(roadmap_id, body, if_match)
    return await _answer(bundle, kpi, response)


@router.get(
    "/{roadmap_id}/journal",
    response_model=Page[JournalRead],
    operation_id="get_roadmap_journal",
    summary="The change journal of a roadmap and its tasks",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_roadmap_journal(
    roadmap_id: RowId, session: Session, caller: Caller, page: Annotated[PageParams, Depends(page_params)]
) -> Page[JournalRead]:
    """Every field-level change, oldest first: who, when, before and after."""
    service = RoadmapService(session, caller)
    roadmap = await service.load(roadmap_id)
    rows = await service.repo.journal(roadmap.id, task_id=None, after_id=_int_after(page), limit=page.limit + 1)
    items = [JournalRead.model_validate(r, from_attributes=True) for r in rows]
    return make_page(items, page, lambda r: [r.id])
