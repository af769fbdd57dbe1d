"""HTTP layer of campaigns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status

from survey_api.campaigns.schemas import CampaignCreate, CampaignRead, CampaignStatus, CampaignUpdate
from survey_api.campaigns.service import WRITER_ROLES, CampaignService, read_of
from survey_api.common import CampaignPurpose
from survey_api.deps import Caller, Session
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], route_class=CommittingRoute)

Writer = Annotated[Principal, Depends(role_required(*WRITER_ROLES))]

Code = Annotated[str, Path(max_length=64, description="Campaign code")]


def _service(request: Request, session: Session) -> CampaignService:
    return CampaignService(session, request.app.state.campaigns, request.app.state.org_units)


Service = Annotated[CampaignService, Depends(_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CampaignRead,
    operation_id="create_campaign",
    summary="Deploy a questionnaire to org units",
    responses=problem_responses(400, 401, 403, 409, 413, 422, 503),
)
async def create_campaign(body: CampaignCreate, service: Service, caller: Writer, response: Response) -> CampaignRead:
    """Org units are checked against kpi-api (an unknown code is a 422 pointing at it) and must lie in
    the caller's scope (403 otherwise). The questionnaire is its latest published version unless one
    is named; any published questionnaire may be used, whoever owns it. `purpose` is `monitoring`
    unless said otherwise. Channels: `kiosk`, `online`, `phone`, `paper` (forms keyed in by staff).
    Writers: `federal`, `regional_admin`."""
    campaign, units = await service.create(caller, body)
    response.headers["ETag"] = etag(campaign.version)
    response.headers["Location"] = f"/v1/campaigns/{campaign.code}"
    return read_of(campaign, units)


@router.get(
    "",
    response_model=Page[CampaignRead],
    operation_id="list_campaigns",
    summary="List campaigns",
    responses=problem_responses(401, 422),
)
async def list_campaigns(
    service: Service,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    status: CampaignStatus | None = None,
    org_unit: Annotated[str | None, Query(max_length=64, description="Only campaigns deployed in this subtree")] = None,
    purpose: CampaignPurpose | None = None,
    questionnaire: Annotated[
        str | None, Query(max_length=64, description="Only campaigns of this questionnaire")
    ] = None,
) -> Page[CampaignRead]:
    """Campaigns with at least one org unit in the caller's scope, ordered by code."""
    scope = None if caller.is_federal else sorted(caller.scope_org_units)
    rows = await service.repo.list(
        limit=page.limit + 1,
        after_code=str(page.after[0]) if page.after else None,
        status=status.value if status else None,
        org_unit=org_unit,
        scope_codes=scope,
        purpose=purpose.value if purpose else None,
        questionnaire_code=questionnaire,
    )
    units = await service.repo.unit_codes([c.id for c in rows])
    return make_page([read_of(c, units.get(c.id, [])) for c in rows], page, lambda c: [c.code])


@router.get(
    "/{code}",
    response_model=CampaignRead,
    operation_id="get_campaign",
    summary="Get a campaign",
    responses=problem_responses(401, 404, 422),
)
async def get_campaign(code: Code, service: Service, caller: Caller, response: Response) -> CampaignRead:
    """One campaign with its org units; a campaign with no org unit in the caller's scope is a 404."""
    campaign, units = await service.get_for(caller, code)
    response.headers["ETag"] = etag(campaign.version)
    return read_of(campaign, units)


@router.patch(
    "/{code}",
    response_model=CampaignRead,
    operation_id="update_campaign",
    summary="Change a campaign's status, end date, purpose or minimum sample",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_campaign(
    code: Code,
    body: CampaignUpdate,
    service: Service,
    caller: Writer,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> CampaignRead:
    """Status moves draft → active → closed (or draft → closed); a closed campaign refuses new
    responses (a resend of a stored one is still a `duplicate`). A stale `If-Match` is a 409. A
    campaign with no org unit in the caller's scope is a 404 (as for GET); one that also runs outside
    it is a 403."""
    campaign, units = await service.update(caller, code, body, if_match)
    response.headers["ETag"] = etag(campaign.version)
    return read_of(campaign, units)
