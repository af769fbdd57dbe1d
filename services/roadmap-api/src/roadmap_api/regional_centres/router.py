"""HTTP layer of the regional-centre registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Query, Request, Response, status

from roadmap_api.common import Day
from roadmap_api.deps import Caller, OrgUnits, RegionWriter, RowId, Session
from roadmap_api.regional_centres.notices import Delivery, deliver_pending
from roadmap_api.regional_centres.schemas import (
    CentreCreate,
    CentreDetail,
    CentreRead,
    CentreUpdate,
    ComplianceRead,
    MemberChanged,
    MemberCreate,
    MemberUpdate,
    NoticeRead,
)
from roadmap_api.regional_centres.service import CentreService, member_read, notice_read
from zdrav_shared.clients.kpi import KpiClient
from zdrav_shared.db import CommittingRoute, Database
from zdrav_shared.logging import get_logger
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

log = get_logger(__name__)

router = APIRouter(prefix="/v1/regional-centres", tags=["regional-centres"], route_class=CommittingRoute)

WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 413, 422)


async def deliver_notices(app: FastAPI, centre_id: int | None = None, force: bool = False) -> list[Delivery]:
    """Send the centre's due change notices to kpi-api (after the request's commit). Never raises:
    what is not sent now stays pending for the next attempt."""
    database: Database = app.state.db
    kpi: KpiClient = app.state.kpi_reports
    try:
        return await deliver_pending(database.sessionmaker, kpi, centre_id=centre_id, force=force)
    except Exception:
        log.exception("centre_notices_not_delivered", centre_id=centre_id)
        return []


def _schedule(background: BackgroundTasks, request: Request, centre_id: int) -> None:
    background.add_task(deliver_notices, request.app, centre_id)


async def _detail(service: CentreService, centre_id: int) -> CentreDetail:
    centre = await service.load(centre_id)
    return CentreDetail(
        **CentreRead.model_validate(centre, from_attributes=True).model_dump(),
        members=[member_read(m) for m in await service.repo.members(centre.id)],
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CentreRead,
    operation_id="create_regional_centre",
    summary="Register a region's primary-care centre",
    responses=problem_responses(400, 401, 403, 409, 413, 422, 503),
)
async def create_regional_centre(
    body: CentreCreate, session: Session, caller: RegionWriter, org_units: OrgUnits, response: Response
) -> CentreRead:
    """One centre per region (a second one is a 409 naming the first). Writers: `federal`, or
    `regional_admin` of the region."""
    centre = await CentreService(session, caller, org_units).create(body)
    response.headers["Location"] = f"/v1/regional-centres/{centre.id}"
    return CentreRead.model_validate(centre, from_attributes=True)


@router.get(
    "",
    response_model=Page[CentreRead],
    operation_id="list_regional_centres",
    summary="Regional centres",
    responses=problem_responses(401, 422),
)
async def list_regional_centres(
    session: Session, caller: Caller, page: Annotated[PageParams, Depends(page_params)]
) -> Page[CentreRead]:
    """Centres of the regions in the caller's scope, ordered by id."""
    after = int(page.after[0]) if page.after and isinstance(page.after[0], int) else None
    rows = await CentreService(session, caller).list_centres(after, page.limit + 1)
    return make_page([CentreRead.model_validate(r, from_attributes=True) for r in rows], page, lambda r: [r.id])


@router.get(
    "/{centre_id}",
    response_model=CentreDetail,
    operation_id="get_regional_centre",
    summary="A regional centre with its members",
    responses=problem_responses(401, 404, 422),
)
async def get_regional_centre(centre_id: RowId, session: Session, caller: Caller) -> CentreDetail:
    """A centre outside the caller's regions is a 404."""
    return await _detail(CentreService(session, caller), centre_id)


@router.patch(
    "/{centre_id}",
    response_model=CentreDetail,
    operation_id="update_regional_centre",
    summary="Change a centre's name, host organisation, act or number of polyclinics",
    responses=WRITE_ERRORS,
)
async def update_regional_centre(
    centre_id: RowId, body: CentreUpdate, session: Session, caller: RegionWriter, org_units: OrgUnits
) -> CentreDetail:
    """Audited field by field."""
    service = CentreService(session, caller, org_units)
    await service.update(centre_id, body)
    return await _detail(service, centre_id)


@router.post(
    "/{centre_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberChanged,
    operation_id="add_regional_centre_member",
    summary="Add a member to the centre",
    responses=WRITE_ERRORS,
)
async def add_regional_centre_member(
    centre_id: RowId,
    body: MemberCreate,
    session: Session,
    caller: RegionWriter,
    org_units: OrgUnits,
    request: Request,
    background: BackgroundTasks,
) -> MemberChanged:
    """Head or not, medical education, share of time on polyclinic sites, main job, the polyclinics
    the member curates (org units of the region) and the member's own project. A change of
    composition: it joins the day's 3-working-day notice to kpi-api (`notice`), sent after the
    write is committed and retried until kpi-api acknowledges it — the write never fails because
    kpi-api is down. When kpi-api cannot be asked the polyclinic codes are kept unverified, with a
    warning."""
    member, notice, warnings = await CentreService(session, caller, org_units).add_member(centre_id, body)
    _schedule(background, request, centre_id)
    return MemberChanged(**member_read(member).model_dump(), notice=notice_read(notice), warnings=warnings)


@router.patch(
    "/{centre_id}/members/{member_id}",
    response_model=MemberChanged,
    operation_id="update_regional_centre_member",
    summary="Change a member",
    responses=WRITE_ERRORS,
)
async def update_regional_centre_member(
    centre_id: RowId,
    member_id: RowId,
    body: MemberUpdate,
    session: Session,
    caller: RegionWriter,
    org_units: OrgUnits,
    request: Request,
    background: BackgroundTasks,
) -> MemberChanged:
    """Audited field by field; a new head or a member replaced (name) is a change of composition
    and joins the day's notice."""
    member, notice, warnings = await CentreService(session, caller, org_units).update_member(centre_id, member_id, body)
    if notice is not None:
        _schedule(background, request, centre_id)
    return MemberChanged(
        **member_read(member).model_dump(), notice=notice_read(notice) if notice else None, warnings=warnings
    )


@router.delete(
    "/{centre_id}/members/{member_id}",
    response_model=NoticeRead,
    operation_id="remove_regional_centre_member",
    summary="Remove a member from the centre",
    responses=WRITE_ERRORS,
)
async def remove_regional_centre_member(
    centre_id: RowId,
    member_id: RowId,
    session: Session,
    caller: RegionWriter,
    request: Request,
    background: BackgroundTasks,
    changed_on: Annotated[Day | None, Query(description="Date of the change; default today in the region")] = None,
    reason: Annotated[str | None, Query(max_length=2000)] = None,
) -> NoticeRead:
    """A change of composition: answers the notice it joined (the member stays in the audit trail)."""
    notice = await CentreService(session, caller).remove_member(centre_id, member_id, changed_on, reason)
    _schedule(background, request, centre_id)
    return notice_read(notice)


@router.get(
    "/{centre_id}/compliance",
    response_model=ComplianceRead,
    operation_id="get_regional_centre_compliance",
    summary="Check the centre against the federal centre's staffing rules",
    responses=problem_responses(401, 404, 422),
)
async def get_regional_centre_compliance(centre_id: RowId, session: Session, caller: Caller) -> ComplianceRead:
    """Staff by number of polyclinics (up to 10 → at least 3; 11–40 → 4; 41–100 → 5; over 100 → more
    than 5), one head, each member curating at least one polyclinic and the head at most two, at
    least half medically educated. Every rule is reported with `ok` and a detail, an empty centre
    too."""
    return await CentreService(session, caller).compliance(centre_id)


@router.get(
    "/{centre_id}/notices",
    response_model=list[NoticeRead],
    operation_id="list_regional_centre_notices",
    summary="The centre's change notices and whether kpi-api has them",
    responses=problem_responses(401, 404, 422),
)
async def list_regional_centre_notices(centre_id: RowId, session: Session, caller: Caller) -> list[NoticeRead]:
    """One per date of change: `pending` (with the last error and the next attempt) or `sent` (with
    kpi-api's `due_at`)."""
    return [notice_read(n) for n in await CentreService(session, caller).notices(centre_id)]


@router.post(
    "/{centre_id}/notices/deliver",
    response_model=list[NoticeRead],
    operation_id="deliver_regional_centre_notices",
    summary="Send the centre's pending notices to kpi-api now",
    responses=WRITE_ERRORS,
)
async def deliver_regional_centre_notices(
    centre_id: RowId, session: Session, caller: RegionWriter, request: Request
) -> list[NoticeRead]:
    """Without waiting for the next retry; answers every notice of the centre afterwards."""
    service = CentreService(session, caller)
    await service.load(centre_id, write=True)
    # Nothing is written in this session: ending its read transaction lets the notices be read as
    # the delivery (in its own transactions) left them.
    await session.rollback()
    await deliver_notices(request.app, centre_id, force=True)
    return [notice_read(n) for n in await service.notices(centre_id)]
