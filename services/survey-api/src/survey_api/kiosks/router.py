"""HTTP layer of kiosks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status

from survey_api.deps import Caller, Session
from survey_api.kiosks.schemas import KioskCreate, KioskCreated, KioskRead
from survey_api.kiosks.service import MANAGER_ROLES, KioskService, read_of
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/kiosks", tags=["kiosks"], route_class=CommittingRoute)

Manager = Annotated[Principal, Depends(role_required(*MANAGER_ROLES))]

KioskId = Annotated[str, Path(max_length=36)]


def _service(request: Request, session: Session) -> KioskService:
    return KioskService(session, request.app.state.campaigns, request.app.state.kiosk_tokens)


Service = Annotated[KioskService, Depends(_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=KioskCreated,
    operation_id="register_kiosk",
    summary="Register a kiosk and get its token",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def register_kiosk(body: KioskCreate, service: Service, caller: Manager) -> KioskCreated:
    """The kiosk may post responses only for this campaign and org unit. The `token` is shown only in
    this answer (the server keeps its SHA-256); send it as `Authorization: Bearer <token>`.
    Managers: `federal`, `regional_admin`, `mo_operator` within their scope."""
    kiosk, token = await service.register(caller, body)
    return KioskCreated(**read_of(kiosk).model_dump(), token=token)


@router.get(
    "",
    response_model=Page[KioskRead],
    operation_id="list_kiosks",
    summary="List kiosks with last-seen time and counts",
    responses=problem_responses(401, 404, 422),
)
async def list_kiosks(
    service: Service,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    campaign: Annotated[str | None, Query(max_length=64, description="Only this campaign's kiosks")] = None,
) -> Page[KioskRead]:
    """Kiosks in the caller's scope, ordered by id, with their accepted / duplicate / rejected counts."""
    campaign_id = None
    if campaign is not None:
        context = await service.cache.get(service.session, campaign)
        campaign_id = context.id if context is not None else -1
    rows = await service.repo.list(
        limit=page.limit + 1,
        after_id=str(page.after[0]) if page.after else None,
        campaign_id=campaign_id,
        scope_codes=None if caller.is_federal else sorted(caller.scope_org_units),
    )
    return make_page([read_of(k) for k in rows], page, lambda k: [k.id])


@router.get(
    "/{kiosk_id}",
    response_model=KioskRead,
    operation_id="get_kiosk",
    summary="Get a kiosk",
    responses=problem_responses(401, 404, 422),
)
async def get_kiosk(kiosk_id: KioskId, service: Service, caller: Caller) -> KioskRead:
    """One kiosk, without its token."""
    return read_of(await service.get(caller, kiosk_id))


@router.post(
    "/{kiosk_id}/revoke",
    response_model=KioskRead,
    operation_id="revoke_kiosk",
    summary="Revoke a kiosk's token",
    responses=problem_responses(401, 403, 404, 422),
)
async def revoke_kiosk(kiosk_id: KioskId, service: Service, caller: Manager) -> KioskRead:
    """From now on the token is refused with 401. Revoking twice changes nothing."""
    return read_of(await service.revoke(caller, kiosk_id))
