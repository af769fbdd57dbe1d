"""Use cases of strategic sessions: structure, voting, results, selection and assessments."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.common import as_utc
from roadmap_api.improvements.schemas import ImprovementCreate
from roadmap_api.improvements.service import ImprovementService
from roadmap_api.models import (
    BallotPoints,
    Participant,
    ParticipantEvaluation,
    SessionBallot,
    SessionProject,
    SessionSection,
    StrategicSession,
    WorkingGroup,
)
from roadmap_api.regions import in_scope, readable_regions, require_reader, require_writer, resolve_region
from roadmap_api.roadmaps.schemas import RoadmapCreate
from roadmap_api.roadmaps.service import RoadmapService
from roadmap_api.sessions import rules
from roadmap_api.sessions.errors import (
    AlreadySelected,
    BallotConflict,
    SessionNotFound,
    SessionPartNotFound,
    duplicate_ballot,
    translate,
)
from roadmap_api.sessions.pipeline import ProjectStatus
from roadmap_api.sessions.repository import M, SessionRepository
from roadmap_api.sessions.schemas import (
    AssessmentRead,
    BallotCreate,
    EvaluationCreate,
    GroupCreate,
    ImplementAs,
    ParticipantCategory,
    ParticipantCreate,
    ProjectCreate,
    SectionCreate,
    SectionResultRead,
    SelectionCreate,
    SessionCreate,
    StandingRead,
    TieRead,
)
from roadmap_api.sessions.tokens import OBSERVER, VOTING, Grant
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import Forbidden, Unprocessable

log = get_logger(__name__)

SCORE_MIN, SCORE_MAX = Decimal(0), Decimal(10)
CENT = Decimal("0.01")


def voting(section: SessionSection, projects: list[SessionProject]) -> rules.SectionVoting:
    return rules.SectionVoting(
        section_code=section.code,
        project_codes=frozenset(p.code for p in projects),
        mode=rules.VotingMode(section.voting_mode),
        opens_at=as_utc(section.opens_at),
        closes_at=as_utc(section.closes_at),
        max_total_points=section.max_total_points,
        max_points_per_project=section.max_points_per_project,
        top_n=section.top_n,
    )


class StrategicSessionService:
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        org_units: OrgUnitClient | None = None,
        grant: Grant | None = None,
    ) -> None:
        self.db = session
        self.repo = SessionRepository(session)
        self.principal = principal
        self.org_units = org_units
        self.grant = grant

    async def load(
        self, session_id: int, *, write: bool = False, token_kinds: tuple[str, ...] = (OBSERVER, VOTING)
    ) -> StrategicSession:
        """The session if the caller may read it (or change it, with ``write``). A session token
        reads its own session only (403 elsewhere) and never writes; ``token_kinds`` says which
        kinds of token may read this part of it."""
        if self.grant is not None:
            self.grant.require_session(session_id)
            if write:
                raise Forbidden("a session token cannot change the session", reason="token_read_only")
            if self.grant.kind not in token_kinds:
                raise Forbidden(f"a {self.grant.kind} token cannot read this", reason="token_kind")
            own = await self.repo.get(session_id)
            if own is None:  # pragma: no cover - a token row cascades with its session
                raise SessionNotFound(session_id)
            return own
        found = await self.repo.get(session_id)
        if found is None or not in_scope(self.principal, found.region_code):  # another region's: as if absent
            raise SessionNotFound(session_id)
        if write:
            require_writer(self.principal, found.region_code)
        else:
            require_reader(self.principal, found.region_code)
        return found

    async def part(self, model: type[M], session_id: int, part_id: int | None, pointer: str) -> M | None:
        if part_id is None:
            return None
        found = await self.repo.part(model, session_id, part_id)
        if found is None:
            raise Unprocessable(
                f"{part_id} is not a {model.__tablename__[:-1]} of session {session_id}", pointer=pointer
            )
        return found

    async def section(self, session_id: int, code: str, pointer: str | None = None) -> SessionSection:
        section = await self.repo.section_by_code(session_id, code)
        if section is None:
            message = f"session {session_id} has no section {code}"
            if pointer:
                raise Unprocessable(message, pointer=pointer)
            raise SessionPartNotFound(message)
        return section

    async def create(self, data: SessionCreate) -> StrategicSession:
        require_role(self.principal, Role.FEDERAL, Role.REGIONAL_ADMIN)
        region = await resolve_region(self.org_units, data.region_code)
        require_writer(self.principal, data.region_code, region.path if region else None)
        created = StrategicSession(
            region_code=data.region_code,
            held_on=data.held_on,
            theme=data.theme,
            organisers=list(data.organisers),
            ends_at=as_utc(data.ends_at) if data.ends_at else None,
            created_by=self.principal.sub,
        )
        self.repo.add(created)
        await self.repo.flush()
        log.info("strategic_session_created", session_id=created.id, by=self.principal.sub)
        return created

    async def list_sessions(self, after_id: int | None, limit: int) -> list[StrategicSession]:
        return await self.repo.list_sessions(readable_regions(self.principal), after_id, limit)

    async def add_section(self, session_id: int, data: SectionCreate) -> SessionSection:
        parent = await self.load(session_id, write=True)
        if await self.repo.section_by_code(parent.id, data.code) is not None:
            raise Unprocessable(f"section {data.code} already exists", pointer="/code")
        section = SessionSection(
            session_id=parent.id,
            **{
                **data.model_dump(),
                "voting_mode": data.voting_mode.value,
                "opens_at": as_utc(data.opens_at),
                "closes_at": as_utc(data.closes_at),
            },
        )
        self.repo.add(section)
        await self.repo.flush()
        return section

    async def add_group(self, session_id: int, data: GroupCreate) -> WorkingGroup:
        parent = await self.load(session_id, write=True)
        section = await self.section(parent.id, data.section_code, "/section_code") if data.section_code else None
        group = WorkingGroup(
            session_id=parent.id, section_id=section.id if section else None, name=data.name, moderator=data.moderator
        )
        self.repo.add(group)
        await self.repo.flush()
        return group

    async def add_participant(self, session_id: int, data: ParticipantCreate) -> Participant:
        parent = await self.load(session_id, write=True)
        await self.part(WorkingGroup, parent.id, data.group_id, "/group_id")
        participant = Participant(
            session_id=parent.id, group_id=data.group_id, name=data.name, category=data.category.value
        )
        self.repo.add(participant)
        await self.repo.flush()
        return participant

    async def add_project(self, session_id: int, data: ProjectCreate) -> SessionProject:
        parent = await self.load(session_id, write=True)
        section = await self.section(parent.id, data.section_code, "/section_code")
        await self.part(WorkingGroup, parent.id, data.group_id, "/group_id")
        if await self.repo.project_by_code(parent.id, data.code) is not None:
            raise Unprocessable(f"project {data.code} already exists in this session", pointer="/code")
        project = SessionProject(
            session_id=parent.id,
            section_id=section.id,
            group_id=data.group_id,
            code=data.code,
            title=data.title,
            description=data.description,
            selected=False,
        )
        self.repo.add(project)
        await self.repo.flush()
        return project

    # -- voting -------------------------------------------------------------------------------

    async def _voter(
        self, session_id: int, section_code: str, data: BallotCreate
    ) -> tuple[SessionSection, Participant]:
        """The section and who votes: the voting token's participant, or the one a moderator names."""
        if self.grant is not None:
            if self.grant.kind != VOTING:
                raise Forbidden("observers do not vote", reason="token_kind")
            self.grant.require_session(session_id)
            found = await self.repo.section_by_code(session_id, section_code)
            self.grant.require_section(section_code, found is not None)
            assert found is not None and self.grant.participant_id is not None
            if data.participant_id is not None and data.participant_id != self.grant.participant_id:
                raise Forbidden("a voting token votes for its own participant only", reason="token_other_participant")
            voter = await self.repo.part(Participant, session_id, self.grant.participant_id)
            if voter is None:  # pragma: no cover - the token cascades with its participant
                raise SessionPartNotFound(f"participant {self.grant.participant_id} is gone")
            return found, voter
        parent = await self.load(session_id, write=True)
        section = await self.section(parent.id, section_code)
        if data.participant_id is None:
            raise Unprocessable(
                "name the participant (participant_id) when recording a ballot for them; "
                "participants vote themselves with their voting token",
                pointer="/participant_id",
            )
        participant = await self.part(Participant, parent.id, data.participant_id, "/participant_id")
        assert participant is not None
        return section, participant

    async def cast_ballot(
        self, session_id: int, section_code: str, data: BallotCreate, now: datetime | None = None
    ) -> tuple[SessionBallot, dict[str, int]]:
        section, participant = await self._voter(session_id, section_code, data)
        projects = await self.repo.section_projects(section.id)
        cast_at = as_utc(now or utcnow())
        points = dict(data.points) if data.points is not None else {str(data.choice): 1}
        ballot = rules.Ballot(str(participant.id), section.code, points, cast_at)
        voted = {str(participant.id)} if await self.repo.has_ballot(section.id, participant.id) else set()
        try:
            rules.validate_ballot(voting(section, projects), ballot, voted)
        except rules.VotingError as error:
            raise translate(error) from error
        # Plain values: after a failed flush the session is rolled back and its objects expired.
        participant_id, section_code = participant.id, section.code
        cast_via = "voting_token" if self.grant is not None else "moderator"
        row = SessionBallot(section_id=section.id, participant_id=participant_id, cast_at=cast_at, cast_via=cast_via)
        self.repo.add(row)
        try:
            # The UNIQUE (section_id, participant_id) constraint decides between concurrent ballots.
            await self.repo.flush()
        except IntegrityError as exc:
            raise duplicate_ballot(participant_id, section_code) from exc
        except OperationalError as exc:
            # SQLite refuses a write whose snapshot predates a concurrent commit ("database is locked").
            raise BallotConflict(
                "another ballot was recorded at the same moment; read the section again and retry",
                reason="concurrent_ballot",
            ) from exc
        by_code = {p.code: p.id for p in projects}
        given = {code: p for code, p in points.items() if p > 0}
        self.repo.add(*(BallotPoints(ballot_id=row.id, project_id=by_code[c], points=p) for c, p in given.items()))
        await self.repo.flush()
        log.info("ballot_cast", session_id=session_id, section=section_code, via=cast_via)
        return row, given

    async def results(self, session_id: int, section_code: str, top_n: int | None = None) -> SectionResultRead:
        parent = await self.load(session_id, token_kinds=(OBSERVER,))
        section = await self.section(parent.id, section_code)
        projects = await self.repo.section_projects(section.id)
        grouped: dict[int, tuple[int, dict[str, int]]] = {}
        for ballot_id, participant_id, code, points in await self.repo.section_ballots(section.id):
            grouped.setdefault(ballot_id, (participant_id, {}))[1][code] = points
        ballots = [
            rules.Ballot(str(participant), section.code, points, as_utc(section.opens_at))
            for participant, points in grouped.values()
        ]
        config = voting(section, projects)
        if top_n is not None:
            config = replace(config, top_n=top_n)
        result = rules.tally(config, ballots)
        titles = {p.code: p.title for p in projects}
        return SectionResultRead(
            section_code=result.section_code,
            ballots_counted=result.ballots_counted,
            standings=[
                StandingRead(
                    project_code=s.project_code,
                    title=titles[s.project_code],
                    points=s.points,
                    ballots=s.ballots,
                    rank=s.rank,
                )
                for s in result.standings
            ],
            top_n=result.top_n,
            winners=result.winners,
            tie_for_first=result.tie_for_first,
            tie_at_cutoff=result.tie_at_cutoff,
            ties=[TieRead(rank=t.rank, points=t.points, project_codes=t.project_codes) for t in result.ties],
        )

    # -- selection ----------------------------------------------------------------------------

    async def select(self, session_id: int, project_id: int, data: SelectionCreate) -> SessionProject:
        parent = await self.load(session_id, write=True)
        project = await self.repo.part(SessionProject, parent.id, project_id)
        if project is None:
            raise SessionPartNotFound(f"session {parent.id} has no project {project_id}")
        if project.roadmap_id is not None or project.improvement_project_id is not None:
            raise AlreadySelected(f"project {project.code} is already selected for implementation")
        if project.status == ProjectStatus.REJECTED:
            raise AlreadySelected(f"project {project.code} was rejected", reason="project_rejected")
        if data.implement_as is ImplementAs.ROADMAP:
            assert data.life_situation is not None
            roadmaps = RoadmapService(self.db, self.principal)  # the region was checked with the session
            bundle = await roadmaps.create(
                RoadmapCreate(region_code=parent.region_code, life_situation=data.life_situation, title=project.title)
            )
            bundle.roadmap.source_project_id = project.id
            project.roadmap_id = bundle.roadmap.id
        else:
            assert data.category is not None
            text = project.description or project.title
            improvement = await ImprovementService(self.db, self.principal).create(
                ImprovementCreate(
                    region_code=parent.region_code,
                    title=project.title,
                    category=data.category,
                    process=text,
                    problem=text,
                    goal=project.title,
                ),
                source_project_id=project.id,
            )
            project.improvement_project_id = improvement.id
        project.selected = True
        if project.status == ProjectStatus.DRAFTED:
            project.status = ProjectStatus.SELECTED.value
            project.status_changed_at = utcnow()
        await self.repo.flush()
        log.info("session_project_selected", session_id=parent.id, project_id=project.id, as_=data.implement_as.value)
        return project

    # -- assessments --------------------------------------------------------------------------

    async def evaluate(self, session_id: int, data: EvaluationCreate) -> ParticipantEvaluation:
        parent = await self.load(session_id, write=True)
        await self.part(Participant, parent.id, data.participant_id, "/participant_id")
        await self.part(Participant, parent.id, data.evaluator_participant_id, "/evaluator_participant_id")
        evaluator_id = (
            str(data.evaluator_participant_id)
            if data.evaluator_participant_id is not None
            else f"name:{data.evaluator}"
        )
        try:
            rules.validate_evaluation(
                rules.Evaluation(str(data.participant_id), evaluator_id, data.role, data.score),
                scale_min=SCORE_MIN,
                scale_max=SCORE_MAX,
            )
        except rules.InvalidEvaluation as error:
            raise Unprocessable(str(error), pointer="/evaluator_participant_id") from error
        row = ParticipantEvaluation(
            session_id=parent.id,
            participant_id=data.participant_id,
            evaluator=data.evaluator,
            role=data.role.value,
            score=data.score,
            comment=data.comment,
        )
        self.repo.add(row)
        await self.repo.flush()
        return row

    async def assessments(self, session_id: int) -> list[AssessmentRead]:
        parent = await self.load(session_id, token_kinds=(OBSERVER,))
        people = {p.id: p for p in await self.repo.parts(Participant, parent.id)}
        evaluations = [
            rules.Evaluation(str(e.participant_id), e.evaluator, rules.EvaluatorRole(e.role), e.score)
            for e in await self.repo.parts(ParticipantEvaluation, parent.id)
        ]
        out = []
        for a in rules.aggregate_evaluations(evaluations):
            person = people[int(a.participant_id)]
            out.append(
                AssessmentRead(
                    participant_id=person.id,
                    name=person.name,
                    category=ParticipantCategory(person.category),
                    mean_by_role={role: mean.quantize(CENT) for role, mean in a.mean_by_role.items()},
                    overall=a.overall.quantize(CENT),
                    evaluations=a.evaluations,
                )
            )
        return sorted(out, key=lambda r: r.participant_id)
