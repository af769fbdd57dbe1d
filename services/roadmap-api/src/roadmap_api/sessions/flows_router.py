"""HTTP layer of sessions as they were run: voting tokens, observers, ending, composition rules,
the after-selection pipeline (``router``) and the session KPIs (``kpi_router``, mounted before the
session routes so that ``/kpis`` is not read as a session id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from roadmap_api.deps import OrgUnits, RowId, Session
from roadmap_api.sessions.flow_schemas import (
    CompositionRead,
    CompositionRulesIn,
    ObserverCreate,
    ObserverCreated,
    ObserverRead,
    ProjectStatusChange,
    SessionEndRead,
    SessionKpisRead,
    VotingTokenCreate,
    VotingTokenRead,
)
from roadmap_api.sessions.flows import SessionFlowService
from roadmap_api.sessions.schemas import ProjectRead
from roadmap_api.sessions.tokens import SessionAccess, SessionWriter
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/strategic-sessions", tags=["strategic-sessions"], route_class=CommittingRoute)
kpi_router = APIRouter(prefix="/v1/strategic-sessions", tags=["strategic-sessions"])

WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 413, 422)
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


@kpi_router.get(
    "/kpis",
    response_model=SessionKpisRead,
    operation_id="get_strategic_session_kpis",
    summary="Session KPIs of a region: sessions held, participants, projects formed and selected",
    responses=problem_responses(401, 403, 422),
)
async def get_strategic_session_kpis(
    session: Session,
    caller: SessionAccess,
    region: Annotated[str, Query(min_length=1, max_length=64, pattern=CODE_PATTERN)],
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> SessionKpisRead:
    """Counted from the records, never typed in: a session is held once its date has come (an
    undated one once it has ended); participants and projects are those of the held sessions; a
    project is selected while its status is `selected` or beyond (not `rejected`). `year` keeps the
    sessions of that year (by date, else by end). `sessions` shows each session's own figures."""
    return await SessionFlowService(session, caller.principal, grant=caller.grant).kpis(region, year)


@router.post(
    "/{session_id}/participants/{participant_id}/voting-token",
    status_code=status.HTTP_201_CREATED,
    response_model=VotingTokenRead,
    operation_id="issue_voting_token",
    summary="Issue a participant's own voting token",
    responses=WRITE_ERRORS,
)
async def issue_voting_token(
    session_id: RowId,
    participant_id: RowId,
    session: Session,
    caller: SessionWriter,
    body: VotingTokenCreate | None = None,
) -> VotingTokenRead:
    """Shown only here, stored hashed. Valid for that participant in that session (and the listed
    `sections`, when given) until the session ends — its `ends_at`, else the close of its last
    voting window; after the end it is refused (401). A new token revokes the participant's
    previous one. A session that has ended is a 409. Writers: `federal`, `regional_admin`."""
    return await SessionFlowService(session, caller.principal, grant=caller.grant).issue_voting_token(
        session_id, participant_id, body or VotingTokenCreate()
    )


@router.post(
    "/{session_id}/observers",
    status_code=status.HTTP_201_CREATED,
    response_model=ObserverCreated,
    operation_id="add_session_observer",
    summary="Add an observer with a read-only token for this session",
    responses=WRITE_ERRORS,
)
async def add_session_observer(
    session_id: RowId, body: ObserverCreate, session: Session, caller: SessionWriter
) -> ObserverCreated:
    """Observers (the minister, the rector…) read the session, its results, assessments and
    composition with their token — that session only (403 elsewhere) and nothing else (every write
    is a 403) — until 30 days after the session ends or the token is revoked."""
    return await SessionFlowService(session, caller.principal, grant=caller.grant).add_observer(session_id, body)


@router.get(
    "/{session_id}/observers",
    response_model=list[ObserverRead],
    operation_id="list_session_observers",
    summary="The session's observers",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_session_observers(session_id: RowId, session: Session, caller: SessionAccess) -> list[ObserverRead]:
    """Names and when each token was issued or revoked (never the tokens)."""
    rows = await SessionFlowService(session, caller.principal, grant=caller.grant).observers(session_id)
    return [ObserverRead(id=r.id, name=r.name or "", issued_at=r.issued_at, revoked_at=r.revoked_at) for r in rows]


@router.delete(
    "/{session_id}/observers/{observer_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="revoke_session_observer",
    summary="Revoke an observer's token",
    responses=problem_responses(401, 403, 404, 422),
)
async def revoke_session_observer(
    session_id: RowId, observer_id: RowId, session: Session, caller: SessionWriter
) -> Response:
    """The token stops working at once."""
    await SessionFlowService(session, caller.principal, grant=caller.grant).revoke_observer(session_id, observer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{session_id}/end",
    response_model=SessionEndRead,
    operation_id="end_strategic_session",
    summary="End the session now",
    responses=WRITE_ERRORS,
)
async def end_strategic_session(session_id: RowId, session: Session, caller: SessionWriter) -> SessionEndRead:
    """Sets `ends_at` to now (an earlier end stays): voting tokens stop working at once."""
    return await SessionFlowService(session, caller.principal, grant=caller.grant).end(session_id)


@router.put(
    "/{session_id}/composition-rules",
    response_model=CompositionRead,
    operation_id="set_composition_rules",
    summary="Set the working-group composition rules",
    responses=WRITE_ERRORS,
)
async def set_composition_rules(
    session_id: RowId, body: CompositionRulesIn, session: Session, caller: SessionWriter
) -> CompositionRead:
    """Per-category minimum/maximum and group size for every group; answers the check against them."""
    return await SessionFlowService(session, caller.principal, grant=caller.grant).set_rules(session_id, body)


@router.get(
    "/{session_id}/composition",
    response_model=CompositionRead,
    operation_id="get_session_composition",
    summary="Check the working groups against the composition rules",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_session_composition(session_id: RowId, session: Session, caller: SessionAccess) -> CompositionRead:
    """Warnings per group (by default: one chief physician per group) and for participants in no
    group; `ok` is true when there is nothing to say."""
    return await SessionFlowService(session, caller.principal, grant=caller.grant).composition(session_id)


@router.post(
    "/{session_id}/projects/{project_id}/status",
    response_model=ProjectRead,
    operation_id="change_session_project_status",
    summary="Move a project along the pipeline after selection",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 503),
)
async def change_session_project_status(
    session_id: RowId,
    project_id: RowId,
    body: ProjectStatusChange,
    session: Session,
    caller: SessionWriter,
    org_units: OrgUnits,
) -> ProjectRead:
    """drafted → selected → refinement (with its deadline) → commission_review → pilot (with pilot
    sites of the region) → implementation; `rejected` from any step before the end; the commission
    may send a project back to refinement. A step not allowed from the current status is a 409;
    a missing deadline or pilot site is a 422. Audited with the reason."""
    project = await SessionFlowService(session, caller.principal, org_units, caller.grant).change_status(
        session_id, project_id, body
    )
    return ProjectRead.model_validate(project, from_attributes=True)
