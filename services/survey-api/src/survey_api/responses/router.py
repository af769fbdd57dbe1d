"""HTTP layer of response ingestion: kiosk batches and single responses."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response, status
from pydantic_core import to_jsonable_python

from survey_api.campaigns.context import CampaignContext
from survey_api.campaigns.errors import CampaignNotActive
from survey_api.campaigns.schemas import CampaignStatus
from survey_api.common import DEFAULT_ENTERED_BY, Channel, EnteredBy
from survey_api.deps import KioskCaller, Submitter, SubmitterRequired
from survey_api.kiosks.errors import KioskOutOfBinding, KioskTokenInvalid
from survey_api.responses.batch import parse_batch
from survey_api.responses.errors import ResponseIdConflict
from survey_api.responses.rules import response_body_hash
from survey_api.responses.schemas import (
    BatchItem,
    BatchResult,
    ResponseCreate,
    ResponseReceipt,
    ResponseStatus,
)
from survey_api.responses.service import Candidate, Outcome, ResponseIngestion
from survey_api.settings import SurveySettings
from zdrav_shared.auth import Role, require_scope
from zdrav_shared.openapi import embedded_schema
from zdrav_shared.problems import Unprocessable, problem_responses

# No request session: ingestion writes through writers of its own (responses.writers, each write one
# statement), committed before the answer is built, so a success is never sent for a write that did
# not commit.
router = APIRouter(prefix="/v1/responses", tags=["responses"])

SUBMITTER_ROLES = (Role.FEDERAL, Role.REGIONAL_ADMIN, Role.MO_OPERATOR, Role.SERVICE)
SubmitterCaller = Annotated[Submitter, Depends(SubmitterRequired(*SUBMITTER_ROLES))]

_BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["responses"],
    "properties": {
        "responses": {"type": "array", "maxItems": 1000, "items": embedded_schema(BatchItem)},
        "campaign_code": {"type": "string", "description": "Optional; must be the kiosk's campaign"},
        "org_unit_code": {"type": "string", "description": "Optional; must be the kiosk's org unit"},
    },
}


def _ingestion(request: Request) -> ResponseIngestion:
    ingestion: ResponseIngestion = request.app.state.response_ingestion  # built at start-up (app.py)
    return ingestion


def _refusal(context: CampaignContext) -> CampaignNotActive | None:
    """Why the campaign takes no new responses now, or None while it is active. Resends of stored ids
    are answered all the same (``ResponseIngestion.ingest``)."""
    if context.status != CampaignStatus.ACTIVE:
        return CampaignNotActive(context.code, context.status)
    return None


def _found_stored(outcomes: list[Outcome]) -> bool:
    return any(o.status is ResponseStatus.DUPLICATE or isinstance(o.error, ResponseIdConflict) for o in outcomes)


@router.post(
    "/batch",
    response_model=BatchResult,
    operation_id="submit_response_batch",
    summary="Post a kiosk's batch of responses (idempotent)",
    responses=problem_responses(400, 401, 403, 409, 413, 422, 429),
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _BATCH_SCHEMA}}}},
)
async def submit_response_batch(request: Request, kiosk: KioskCaller) -> Response:
    """Up to 1000 responses with client-chosen ids, for the kiosk's own campaign and org unit. Each item
    is `accepted`, `duplicate` (the id was stored before with the same body: nothing changes) or
    `rejected` with a problem (pointer into this request); valid items are stored even when others are
    rejected, so a kiosk can resend the whole batch until acknowledged. A resent id is a `duplicate`
    whatever happened since it was stored — the campaign closed, its dates or the device clock now put
    the answer outside the window; only new ids meet the campaign's status and dates. So a closed
    campaign answers 409 for a batch of new ids only; a batch holding stored ids gets its results
    (those `duplicate`, the new ones `rejected` with the 409 problem). Kiosk responses are entered by
    the respondent (`entered_by: respondent`). Malformed JSON → 422; more than 1000 items or a body
    over the limit → 413; a revoked token → 401."""
    settings: SurveySettings = request.app.state.settings
    parsed = parse_batch(await request.body(), settings.batch_max_items)
    context = await request.app.state.campaigns.get_from(request.app.state.db, kiosk.campaign_code)
    if context is None:  # pragma: no cover - kiosks are deleted with their campaign
        raise KioskTokenInvalid("the kiosk's campaign no longer exists")
    if Channel.KIOSK.value not in context.channels:  # channels never change: nothing can be stored
        raise CampaignNotActive(context.code, "not collecting kiosk responses")
    # Most items name neither code: only those that do are checked (pointers built on failure only).
    for campaign_code, org_unit_code, index in [(parsed.campaign_code, parsed.org_unit_code, -1), *parsed.bindings]:
        if campaign_code not in (None, kiosk.campaign_code) or org_unit_code not in (None, kiosk.org_unit_code):
            raise KioskOutOfBinding(
                f"this kiosk posts only for campaign {kiosk.campaign_code} and org unit {kiosk.org_unit_code}",
                pointer=f"/responses/{index}" if index >= 0 else "/",
            )
    refusal = _refusal(context)
    outcomes = await _ingestion(request).ingest(
        context,
        context.units[kiosk.org_unit_code],
        Channel.KIOSK.value,
        parsed.candidates,
        entered_by=EnteredBy.RESPONDENT.value,
        kiosk_id=kiosk.id,
        extra_rejects=parsed.rejects,
        refusal=refusal,
    )
    if refusal is not None and not _found_stored(outcomes):
        raise refusal  # nothing of this batch is stored or ever will be
    # The outcomes are the server's own values: the answer is written by orjson straight from them
    # (anything orjson does not know, as pydantic would write it), instead of FastAPI's dump →
    # validate → serialise of up to 1000 items. The document (response_model=BatchResult) is unchanged.
    results = [{"id": o.id, "status": o.status, "problem": o.problem} for o in outcomes]
    return Response(orjson.dumps({"results": results}, default=to_jsonable_python), media_type="application/json")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ResponseReceipt,
    operation_id="submit_response",
    summary="Post one response (online form, phone operator or kiosk)",
    responses={
        200: {"model": ResponseReceipt, "description": "A resend: stored before, nothing changed"},
        **problem_responses(400, 401, 403, 409, 413, 422, 429),
    },
)
async def submit_response(body: ResponseCreate, request: Request, submitter: SubmitterCaller) -> Response:
    """201 when stored, 200 when the id was stored before with the same body — whatever happened since
    (the campaign closed, the answer now falls outside its dates) — 409 when the id was used for a
    different body or when a closed campaign gets a new id, 422 with pointers when an answer does not
    fit the questionnaire. `paper` is a paper form keyed in by staff. `entered_by` (`respondent` or
    `operator`) defaults by channel: `kiosk` and `online` → respondent, `phone` and `paper` →
    operator; a kiosk's answers are always the respondent's. The receipt says whether a screening
    «no» keeps the response out of the aggregates (`screened_out`). Users need `federal`,
    `regional_admin`, `mo_operator` or `service` and the org unit in scope; a kiosk token may post
    only `kiosk` responses for its own campaign and org unit (403 otherwise)."""
    if submitter.kiosk is not None:
        kiosk = submitter.kiosk
        if body.campaign_code != kiosk.campaign_code or body.org_unit_code != kiosk.org_unit_code:
            raise KioskOutOfBinding(
                f"this kiosk posts only for campaign {kiosk.campaign_code} and org unit {kiosk.org_unit_code}"
            )
        if body.channel is not Channel.KIOSK:
            raise Unprocessable("a kiosk posts kiosk responses", pointer="/channel")
    if body.channel is Channel.KIOSK and body.entered_by is EnteredBy.OPERATOR:
        raise Unprocessable("kiosk answers are entered by the respondent at the kiosk", pointer="/entered_by")
    entered_by = body.entered_by or DEFAULT_ENTERED_BY[body.channel]
    campaigns = request.app.state.campaigns
    context = await campaigns.get_from(request.app.state.db, body.campaign_code)
    if context is None:
        raise Unprocessable(f"there is no campaign {body.campaign_code}", pointer="/campaign_code")
    unit = context.units.get(body.org_unit_code)
    if unit is None:
        raise Unprocessable(
            f"campaign {context.code} is not deployed to {body.org_unit_code}", pointer="/org_unit_code"
        )
    if submitter.principal is not None:  # its role was checked by SubmitterRequired
        require_scope(submitter.principal, unit.lineage, unit.code)
    if body.channel.value not in context.channels:
        raise Unprocessable(
            f"campaign {context.code} does not collect {body.channel.value} responses", pointer="/channel"
        )
    try:
        # The body as sent: `entered_by` only when it was sent, so that a resend of a response stored
        # before the field existed hashes as it did then.
        body_hash = response_body_hash(body.model_dump(exclude={"entered_by"} if body.entered_by is None else None))
    except (TypeError, ValueError) as exc:
        raise Unprocessable(f"the answers cannot be stored: {exc}", pointer="/answers") from exc
    candidate = Candidate.of(0, body.id, body.submitted_at, body.answers, body_hash)
    kiosk_id = submitter.kiosk.id if submitter.kiosk is not None else None
    (outcome,) = await _ingestion(request).ingest(
        context,
        unit,
        body.channel.value,
        [candidate],
        entered_by=entered_by.value,
        kiosk_id=kiosk_id,
        refusal=_refusal(context),
    )
    if outcome.error is not None:
        raise outcome.error
    # A ResponseReceipt (the document says so), written by orjson from the server's own values: not
    # validated again by FastAPI, nor built as a model first (each was ~1.5 % of a single response's
    # CPU). OPT_UTC_Z writes datetimes as pydantic does; tests/api compare the two.
    receipt = {
        "id": body.id,
        "status": outcome.status.value,
        "received_at": outcome.received_at,
        "clock_skew": outcome.clock_skew,
        "period": outcome.period,
        "entered_by": entered_by.value,
        "screened_out": outcome.screened_out,
    }
    created = outcome.status is not ResponseStatus.DUPLICATE
    return Response(
        orjson.dumps(receipt, option=orjson.OPT_UTC_Z),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )
