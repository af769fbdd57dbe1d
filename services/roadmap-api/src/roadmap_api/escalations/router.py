"""HTTP layer of escalations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from roadmap_api.deps import Caller, OrgUnits, RegionWriter, RowId, Session, WriterOrOperator
from roadmap_api.escalations.rules import Level, Status
from roadmap_api.escalations.schemas import (
    AnswerCreate,
    AnswerRead,
    EscalationCreate,
    EscalationDetail,
    EscalationRead,
    EventRead,
    MessageCreate,
)
from roadmap_api.escalations.service import EscalationService
from roadmap_api.models import Escalation
from zdrav_shared.db import CommittingRoute
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/escalations", tags=["escalations"], route_class=CommittingRoute)

STEP_ERRORS = problem_responses(400, 401, 403, 404, 409, 413, 422)


async def _detail(service: EscalationService, e: Escalation) -> EscalationDetail:
    events = await service.repo.events(e.id)
    return EscalationDetail(
        **EscalationRead.model_validate(e, from_attributes=True).model_dump(),
        answers=[
            AnswerRead(level=Level(ev.level), text=ev.text, by=ev.actor, at=ev.at)
            for ev in events
            if ev.kind == "answered"
        ],
        events=[EventRead.model_validate(ev, from_attributes=True) for ev in events],
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EscalationDetail,
    operation_id="create_escalation",
    summary="Open a problem thread on a polyclinic or an improvement project",
    responses=problem_responses(400, 401, 403, 413, 422, 503),
)
async def create_escalation(
    body: EscalationCreate, session: Session, caller: WriterOrOperator, org_units: OrgUnits, response: Response
) -> EscalationDetail:
    """It starts with the regional centre (`level: regional_centre`, `status: open`). Opened by
    `federal`, the region's `regional_admin`, or an `mo_operator` of the polyclinic (or of the
    project's organisation)."""
    service = EscalationService(session, caller, org_units)
    e = await service.create(body)
    response.headers["Location"] = f"/v1/escalations/{e.id}"
    return await _detail(service, e)


@router.get(
    "",
    response_model=Page[EscalationRead],
    operation_id="list_escalations",
    summary="Escalations",
    responses=problem_responses(401, 422),
)
async def list_escalations(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    status: Status | None = None,
    level: Level | None = None,
) -> Page[EscalationRead]:
    """Of the regions (or organisations) in the caller's scope, ordered by id; the federal centre
    filters `level=federal_centre`."""
    after = int(page.after[0]) if page.after and isinstance(page.after[0], int) else None
    rows = await EscalationService(session, caller).list_escalations(status, level, after, page.limit + 1)
    return make_page([EscalationRead.model_validate(r, from_attributes=True) for r in rows], page, lambda r: [r.id])


@router.get(
    "/{escalation_id}",
    response_model=EscalationDetail,
    operation_id="get_escalation",
    summary="An escalation with its thread",
    responses=problem_responses(401, 404, 422),
)
async def get_escalation(escalation_id: RowId, session: Session, caller: Caller) -> EscalationDetail:
    """Every step — opened, comments, raised, answered, resolved — with who (and in which role) and
    when; `answers` lists who answered at which level. Outside the caller's scope: 404."""
    service = EscalationService(session, caller)
    return await _detail(service, await service.load(escalation_id))


@router.post(
    "/{escalation_id}/messages",
    response_model=EscalationDetail,
    operation_id="comment_escalation",
    summary="Add a message to the thread",
    responses=STEP_ERRORS,
)
async def comment_escalation(
    escalation_id: RowId, body: MessageCreate, session: Session, caller: WriterOrOperator
) -> EscalationDetail:
    """By anyone who may open it; a resolved thread is a 409."""
    service = EscalationService(session, caller)
    return await _detail(service, await service.comment(escalation_id, body))


@router.post(
    "/{escalation_id}/raise",
    response_model=EscalationDetail,
    operation_id="raise_escalation",
    summary="Raise the thread to the next level",
    responses=STEP_ERRORS,
)
async def raise_escalation(
    escalation_id: RowId, body: MessageCreate, session: Session, caller: RegionWriter
) -> EscalationDetail:
    """regional_centre → ministry → federal_centre, with the reason in `text`; the thread is open
    again at the new level. Above the federal centre there is nothing (409). `federal` or the
    region's `regional_admin`."""
    service = EscalationService(session, caller)
    return await _detail(service, await service.raise_level(escalation_id, body))


@router.post(
    "/{escalation_id}/answer",
    response_model=EscalationDetail,
    operation_id="answer_escalation",
    summary="Answer at the thread's current level",
    responses=STEP_ERRORS,
)
async def answer_escalation(
    escalation_id: RowId, body: AnswerCreate, session: Session, caller: RegionWriter
) -> EscalationDetail:
    """Recorded with who answered, at which level and when; `resolve: true` closes the thread. At the
    federal centre only `federal` answers (403 otherwise)."""
    service = EscalationService(session, caller)
    return await _detail(service, await service.answer(escalation_id, body))


@router.post(
    "/{escalation_id}/resolve",
    response_model=EscalationDetail,
    operation_id="resolve_escalation",
    summary="Close the thread as resolved",
    responses=STEP_ERRORS,
)
async def resolve_escalation(
    escalation_id: RowId, body: MessageCreate, session: Session, caller: RegionWriter
) -> EscalationDetail:
    """`federal` or the region's `regional_admin`; a resolved thread takes nothing more (409)."""
    service = EscalationService(session, caller)
    return await _detail(service, await service.resolve(escalation_id, body))
