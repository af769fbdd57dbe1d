"""HTTP layer of strategic sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from roadmap_api.deps import OrgUnits, RowId, Session
from roadmap_api.models import Participant, SessionProject, SessionSection, WorkingGroup
from roadmap_api.sessions.flows import SessionFlowService
from roadmap_api.sessions.schemas import (
    AssessmentRead,
    BallotCreate,
    BallotRead,
    EvaluationCreate,
    GroupCreate,
    GroupRead,
    ParticipantCreate,
    ParticipantCreated,
    ParticipantRead,
    ProjectCreate,
    ProjectRead,
    SectionCreate,
    SectionRead,
    SectionResultRead,
    SelectionCreate,
    SessionCreate,
    SessionDetail,
    SessionRead,
)
from roadmap_api.sessions.service import StrategicSessionService
from roadmap_api.sessions.tokens import OBSERVER, VOTING, SessionAccess, SessionWriter
from zdrav_shared.db import CommittingRoute
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/strategic-sessions", tags=["strategic-sessions"], route_class=CommittingRoute)


WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 413, 422)
SectionCode = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionRead,
    operation_id="create_strategic_session",
    summary="Create a strategic session",
    responses=problem_responses(400, 401, 403, 413, 422, 503),
)
async def create_strategic_session(
    body: SessionCreate, session: Session, caller: SessionWriter, org_units: OrgUnits, response: Response
) -> SessionRead:
    """A session of a region: date, theme, organisers. Writers: `federal`, or `regional_admin` of the region."""
    created = await StrategicSessionService(session, caller.principal, org_units, caller.grant).create(body)
    response.headers["Location"] = f"/v1/strategic-sessions/{created.id}"
    return SessionRead.model_validate(created, from_attributes=True)


@router.get(
    "",
    response_model=Page[SessionRead],
    operation_id="list_strategic_sessions",
    summary="List strategic sessions",
    responses=problem_responses(401, 422),
)
async def list_strategic_sessions(
    session: Session, caller: SessionAccess, page: Annotated[PageParams, Depends(page_params)]
) -> Page[SessionRead]:
    """Sessions of the regions in the caller's scope, ordered by id."""
    after = int(page.after[0]) if page.after and isinstance(page.after[0], int) else None
    rows = await StrategicSessionService(session, caller.principal, grant=caller.grant).list_sessions(
        after, page.limit + 1
    )
    return make_page([SessionRead.model_validate(r, from_attributes=True) for r in rows], page, lambda r: [r.id])


@router.get(
    "/{session_id}",
    response_model=SessionDetail,
    operation_id="get_strategic_session",
    summary="A session with its sections, groups, participants and projects",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_strategic_session(session_id: RowId, session: Session, caller: SessionAccess) -> SessionDetail:
    """Everything drafted in the session; projects show whether they were selected, their status
    after the vote and what implements them. Readable with the session's own voting or observer
    token too (another session's token is a 403)."""
    service = StrategicSessionService(session, caller.principal, grant=caller.grant)
    found = await service.load(session_id, token_kinds=(OBSERVER, VOTING))
    base = SessionRead.model_validate(found, from_attributes=True).model_dump()
    return SessionDetail(
        **base,
        sections=[
            SectionRead.model_validate(s, from_attributes=True)
            for s in await service.repo.parts(SessionSection, found.id)
        ],
        groups=[
            GroupRead.model_validate(g, from_attributes=True) for g in await service.repo.parts(WorkingGroup, found.id)
        ],
        participants=[
            ParticipantRead.model_validate(p, from_attributes=True)
            for p in await service.repo.parts(Participant, found.id)
        ],
        projects=[
            ProjectRead.model_validate(p, from_attributes=True)
            for p in await service.repo.parts(SessionProject, found.id)
        ],
    )


@router.post(
    "/{session_id}/sections",
    status_code=status.HTTP_201_CREATED,
    response_model=SectionRead,
    operation_id="create_session_section",
    summary="Add a section with its voting configuration",
    responses=WRITE_ERRORS,
)
async def create_session_section(
    session_id: RowId, body: SectionCreate, session: Session, caller: SessionWriter
) -> SectionRead:
    """`points` or `single_choice` voting, and the window `[opens_at, closes_at)` (timezone-aware)."""
    section = await StrategicSessionService(session, caller.principal, grant=caller.grant).add_section(session_id, body)
    return SectionRead.model_validate(section, from_attributes=True)


@router.post(
    "/{session_id}/groups",
    status_code=status.HTTP_201_CREATED,
    response_model=GroupRead,
    operation_id="create_working_group",
    summary="Add a working group with its moderator",
    responses=WRITE_ERRORS,
)
async def create_working_group(
    session_id: RowId, body: GroupCreate, session: Session, caller: SessionWriter
) -> GroupRead:
    """A group works in a section (optional) under one moderator."""
    group = await StrategicSessionService(session, caller.principal, grant=caller.grant).add_group(session_id, body)
    return GroupRead.model_validate(group, from_attributes=True)


@router.post(
    "/{session_id}/participants",
    status_code=status.HTTP_201_CREATED,
    response_model=ParticipantCreated,
    operation_id="create_session_participant",
    summary="Add a participant",
    responses=WRITE_ERRORS,
)
async def create_session_participant(
    session_id: RowId, body: ParticipantCreate, session: Session, caller: SessionWriter
) -> ParticipantCreated:
    """With a category (chief physician, ministry, insurance fund, college, young doctor…) and a
    group; `warnings` say what the group now breaks in the session's composition rules (by default
    one chief physician per group) — a warning, never a refusal."""
    flows = SessionFlowService(session, caller.principal, grant=caller.grant)
    participant, warnings = await flows.add_participant(session_id, body)
    return ParticipantCreated(
        **ParticipantRead.model_validate(participant, from_attributes=True).model_dump(), warnings=warnings
    )


@router.post(
    "/{session_id}/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectRead,
    operation_id="create_session_project",
    summary="Add a project drafted by a working group",
    responses=WRITE_ERRORS,
)
async def create_session_project(
    session_id: RowId, body: ProjectCreate, session: Session, caller: SessionWriter
) -> ProjectRead:
    """The project goes on its section's ballot."""
    project = await StrategicSessionService(session, caller.principal, grant=caller.grant).add_project(session_id, body)
    return ProjectRead.model_validate(project, from_attributes=True)


@router.post(
    "/{session_id}/sections/{section_code}/ballots",
    status_code=status.HTTP_201_CREATED,
    response_model=BallotRead,
    operation_id="cast_ballot",
    summary="Record a participant's ballot in a section",
    responses=WRITE_ERRORS,
)
async def cast_ballot(
    session_id: RowId, section_code: SectionCode, body: BallotCreate, session: Session, caller: SessionWriter
) -> BallotRead:
    """A participant votes from their own phone with their voting token (`Authorization: Bearer
    zv_…`, from `POST …/participants/{pid}/voting-token`) and sends only `points` or `choice`: the
    token says who votes. The token is valid in its own session (and sections) only: used in
    another session or section it is a 403. A moderator signed in as a user (`federal`,
    `regional_admin` of the region) may key in a participant's paper ballot, naming
    `participant_id`.

    One ballot per participant and section: a second one — even sent at the same moment — is a
    409, as is a ballot outside the voting window. A ballot naming projects not on the section's
    ballot or breaking its point limits is a 422."""
    service = StrategicSessionService(session, caller.principal, grant=caller.grant)
    row, points = await service.cast_ballot(session_id, section_code, body)
    return BallotRead(
        id=row.id,
        section_code=section_code,
        participant_id=row.participant_id,
        points=points,
        cast_at=row.cast_at,
        cast_via=row.cast_via,
    )


@router.get(
    "/{session_id}/sections/{section_code}/results",
    response_model=SectionResultRead,
    operation_id="get_section_results",
    summary="Results of a section's vote",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_section_results(
    session_id: RowId,
    section_code: SectionCode,
    session: Session,
    caller: SessionAccess,
    top_n: Annotated[int | None, Query(ge=1, le=100, description="Override the section's top N")] = None,
) -> SectionResultRead:
    """Totals and competition ranks; the winners are the section's top N (its `top_n`, 1 unless
    set; the youth session picked the best 3). Equal totals share a rank: a tie for first gives
    joint winners, a tie across the cut keeps every tied project (`tie_at_cutoff`), and every tie
    is listed in `ties`. Readable by the session's observers with their token."""
    service = StrategicSessionService(session, caller.principal, grant=caller.grant)
    return await service.results(session_id, section_code, top_n)


@router.post(
    "/{session_id}/projects/{project_id}/selection",
    response_model=ProjectRead,
    operation_id="select_session_project",
    summary="Select a project for implementation",
    responses=WRITE_ERRORS,
)
async def select_session_project(
    session_id: RowId, project_id: RowId, body: SelectionCreate, session: Session, caller: SessionWriter
) -> ProjectRead:
    """The project becomes a draft roadmap (or an improvement project) of the session's region,
    linked both ways; selecting it twice is a 409."""
    project = await StrategicSessionService(session, caller.principal, grant=caller.grant).select(
        session_id, project_id, body
    )
    return ProjectRead.model_validate(project, from_attributes=True)


@router.post(
    "/{session_id}/evaluations",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRead,
    operation_id="create_participant_evaluation",
    summary="Record an assessment of a participant",
    responses=WRITE_ERRORS,
)
async def create_participant_evaluation(
    session_id: RowId, body: EvaluationCreate, session: Session, caller: SessionWriter
) -> AssessmentRead:
    """By a moderator, observer, organiser or peer, on a 0–10 scale; nobody assesses themselves.
    Answers the participant's aggregate after this assessment."""
    service = StrategicSessionService(session, caller.principal, grant=caller.grant)
    evaluation = await service.evaluate(session_id, body)
    return next(a for a in await service.assessments(session_id) if a.participant_id == evaluation.participant_id)


@router.get(
    "/{session_id}/assessments",
    response_model=list[AssessmentRead],
    operation_id="list_participant_assessments",
    summary="Assessments aggregated per participant",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_participant_assessments(
    session_id: RowId, session: Session, caller: SessionAccess
) -> list[AssessmentRead]:
    """Mean per evaluator role, and overall the mean of the role means (one moderator weighs as
    much as all peers together). Readable by the session's observers with their token."""
    return await StrategicSessionService(session, caller.principal, grant=caller.grant).assessments(session_id)
