"""``/v1/followups``: detractors turned into work, and the share followed up within 48 hours.

Two ways in, one use case: survey-api's signed ``response.detractor`` webhook
(``POST /v1/followups/detractors``, no bearer token: the HMAC signature is the credential) and a
service's typed call (``POST /v1/followups``, ``zdrav_shared.clients.roadmap``). Both are idempotent
by ``response_id``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import ValidationError

from roadmap_api.common import Code
from roadmap_api.deps import Caller, Clock, OrgUnits, RowId, Session, WriterOrOperator
from roadmap_api.followups.schemas import (
    DETRACTOR_EVENT,
    DetractorDelivery,
    DetractorIn,
    DetractorReceipt,
    FollowupComplete,
    FollowupRead,
)
from roadmap_api.followups.service import FollowupService
from roadmap_api.followups.signature import signed_body
from zdrav_shared.auth import Principal, Role, role_required
from zdrav_shared.contracts.followups import FollowupSummary
from zdrav_shared.db import CommittingRoute
from zdrav_shared.openapi import embedded_schema
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import Unprocessable, problem_responses, validation_problem

router = APIRouter(prefix="/v1/followups", tags=["followups"], route_class=CommittingRoute)

Opener = Annotated[Principal, Depends(role_required(Role.SERVICE, Role.FEDERAL))]
RECEIVER = Principal(sub="webhook:response.detractor", roles=frozenset({Role.SERVICE}), scope_org_units=frozenset())
_RECEIPT_DOC = (
    "`opened` (201) a follow-up, found the `existing` one of the same response (200: a redelivery, a "
    "replay or a race creates nothing), or `ignored` (200: no comment, or not a detractor)."
)


def _receipt_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": DetractorReceipt, "description": "Existing or ignored"}, **problem_responses(*statuses)}


def _answer(receipt: DetractorReceipt, response: Response) -> DetractorReceipt:
    response.status_code = 201 if receipt.outcome == "opened" else 200
    return receipt


@router.post(
    "/detractors",
    status_code=201,
    response_model=DetractorReceipt,
    operation_id="receive_detractor_webhook",
    summary="Receive survey-api's signed response.detractor webhook",
    description=(
        'Subscribe this URL in survey-api (`POST /v1/webhooks {url, events: ["response.detractor"], '
        "secret}`) with the secret roadmap-api holds as `ROADMAP_DETRACTOR_WEBHOOK_SECRET`. The body is "
        "the delivery as sent, `{event, delivery_id, occurred_at, data}`; `X-Zdrav-Signature` must be "
        "the HMAC-SHA256 of it (401 otherwise; 503 while no secret is set). " + _RECEIPT_DOC
    ),
    responses=_receipt_responses(401, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": embedded_schema(DetractorDelivery)}},
        }
    },
)
async def receive_detractor_webhook(
    body: Annotated[bytes, Depends(signed_body)],
    response: Response,
    session: Session,
    org_units: OrgUnits,
    clock: Clock,
) -> DetractorReceipt:
    try:
        delivery = DetractorDelivery.model_validate_json(body)
    except ValidationError as exc:
        raise validation_problem(exc.errors()) from exc
    if delivery.event != DETRACTOR_EVENT:
        raise Unprocessable(f"this receiver takes {DETRACTOR_EVENT} only, not {delivery.event}", pointer="/event")
    service = FollowupService(session, RECEIVER, org_units, clock)
    return _answer(await service.open(delivery.data, via="webhook", delivery_id=delivery.delivery_id), response)


@router.post(
    "",
    status_code=201,
    response_model=DetractorReceipt,
    operation_id="open_detractor_followup",
    summary="Open a detractor's follow-up (service token)",
    description="The `data` of a `response.detractor` event, sent by a service's typed client. " + _RECEIPT_DOC,
    responses=_receipt_responses(400, 401, 403, 422, 503),
)
async def open_detractor_followup(
    data: DetractorIn, response: Response, session: Session, caller: Opener, org_units: OrgUnits, clock: Clock
) -> DetractorReceipt:
    service = FollowupService(session, caller, org_units, clock)
    return _answer(await service.open(data, via="service"), response)


@router.get(
    "",
    response_model=Page[FollowupRead],
    operation_id="list_followups",
    summary="Follow-ups in the caller's scope",
    responses=problem_responses(401, 422),
)
async def list_followups(
    session: Session,
    caller: Caller,
    clock: Clock,
    page: Annotated[PageParams, Depends(page_params)],
    region: Code | None = None,
    org_unit: Code | None = None,
) -> Page[FollowupRead]:
    """Oldest first, `unassigned` ones included (neither an open improvement project nor an approved
    roadmap existed for the org unit); an `mo_operator` sees its own organisations'."""
    after = int(page.after[0]) if page.after and isinstance(page.after[0], int) else None
    items = await FollowupService(session, caller, None, clock).page(region, org_unit, after, page.limit + 1)
    return make_page(items, page, lambda f: [f.id])


@router.get(
    "/summary",
    response_model=FollowupSummary,
    operation_id="get_followup_summary",
    summary="Share of detractors followed up within 48 h, per org unit and region",
    responses=problem_responses(401, 403, 422),
)
async def get_followup_summary(
    session: Session,
    caller: Caller,
    clock: Clock,
    period: Annotated[str, Query(max_length=10, examples=["2026Q3"], description="2026, 2026Q3 or 2026-07")],
    region: Code | None = None,
    group_by: Annotated[str | None, Query(pattern="^org_unit$", description="org_unit: a row per org unit too")] = None,
) -> FollowupSummary:
    """Detractors with a comment submitted in `period` (the region's local date): `followed_up_48h` of
    them done within 48 h of the submission, `share` = Σ followed_up_48h ÷ Σ detractors × 100 (null
    when there are none), `done_late`, `pending` (open, not yet due) and `overdue`. A region's row and
    the federation's (`RU`, without `region`: federal callers and services) add up the counts below them,
    never the shares. CX practice takes about 80 % as a realistic level."""
    return await FollowupService(session, caller, None, clock).summary(period, region, group_by == "org_unit")


@router.get(
    "/{followup_id}",
    response_model=FollowupRead,
    operation_id="get_followup",
    summary="One follow-up",
    responses=problem_responses(401, 404, 422),
)
async def get_followup(followup_id: RowId, session: Session, caller: Caller, clock: Clock) -> FollowupRead:
    """A follow-up outside the caller's scope is a 404, as if it did not exist."""
    return await FollowupService(session, caller, None, clock).get(followup_id)


@router.post(
    "/{followup_id}/complete",
    response_model=FollowupRead,
    operation_id="complete_followup",
    summary="Mark a follow-up done",
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
async def complete_followup(
    followup_id: RowId,
    body: FollowupComplete,
    session: Session,
    caller: WriterOrOperator,
    org_units: OrgUnits,
    clock: Clock,
) -> FollowupRead:
    """Done now (the time that counts for the 48 hours); a roadmap task of the follow-up is set done
    with it, under the task rules (the org unit's `mo_operator` may). Done already: answered as it is."""
    return await FollowupService(session, caller, org_units, clock).complete(followup_id, body.resolution)
