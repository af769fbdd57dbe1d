"""Use cases of sessions as they were run: voting tokens and observers, the end of a session,
group composition, the after-selection pipeline and the session KPIs. Flushes, never commits."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.audit.recorder import Audit
from roadmap_api.common import as_utc
from roadmap_api.models import Participant, SessionProject, SessionToken, StrategicSession, WorkingGroup
from roadmap_api.regions import check_org_unit_in_region, require_reader
from roadmap_api.sessions import composition, pipeline
from roadmap_api.sessions.errors import SessionPartNotFound
from roadmap_api.sessions.flow_schemas import (
    CategoryRuleIn,
    CompositionRead,
    CompositionRulesIn,
    GroupComposition,
    ObserverCreate,
    ObserverCreated,
    ProjectStatusChange,
    SessionEndRead,
    SessionFigures,
    SessionKpisRead,
    VotingTokenCreate,
    VotingTokenRead,
)
from roadmap_api.sessions.schemas import ParticipantCategory, ParticipantCreate
from roadmap_api.sessions.service import StrategicSessionService
from roadmap_api.sessions.tokens import OBSERVER, VOTING, Grant, hash_token, new_token, session_end
from zdrav_shared.auth import Principal
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import Conflict, FieldError, Unprocessable

log = get_logger(__name__)


class SessionEnded(Conflict):
    slug = "strategic-session-ended"
    title = "The strategic session has ended"


class PipelineConflict(Conflict):
    slug = "project-pipeline-conflict"
    title = "The project cannot take this status"


def held(session: StrategicSession, end: datetime | None, now: datetime) -> bool:
    """A session counts as held once its date has come, or — undated (the source gave none) — once it
    has ended."""
    if session.held_on is not None:
        return session.held_on <= now.date()
    return end is not None and end <= now


def session_year(session: StrategicSession, end: datetime | None) -> int | None:
    """The year a session counts in: of its date, else of its end."""
    if session.held_on is not None:
        return session.held_on.year
    return end.year if end is not None else None


class SessionFlowService:
    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        org_units: OrgUnitClient | None = None,
        grant: Grant | None = None,
    ) -> None:
        self.sessions = StrategicSessionService(session, principal, org_units, grant)
        self.repo = self.sessions.repo
        self.principal = principal
        self.org_units = org_units
        self.audit = Audit(session, principal.sub)

    # -- tokens --------------------------------------------------------------------------------

    async def _open(self, parent: StrategicSession, now: datetime) -> datetime | None:
        end = await session_end(self.repo, parent)
        if end is not None and end <= now:
            raise SessionEnded(
                f"strategic session {parent.id} ended at {end.isoformat()}; no tokens are issued after the end",
                reason="session_ended",
            )
        return end

    async def issue_voting_token(
        self, session_id: int, participant_id: int, data: VotingTokenCreate, now: datetime | None = None
    ) -> VotingTokenRead:
        parent = await self.sessions.load(session_id, write=True)
        participant = await self.repo.part(Participant, parent.id, participant_id)
        if participant is None:
            raise SessionPartNotFound(f"session {parent.id} has no participant {participant_id}")
        moment = as_utc(now or utcnow())
        end = await self._open(parent, moment)
        sections = list(dict.fromkeys(data.sections)) if data.sections is not None else None
        for n, code in enumerate(sections or []):
            if await self.repo.section_by_code(parent.id, code) is None:
                raise Unprocessable(f"session {parent.id} has no section {code}", pointer=f"/sections/{n}")
        # One live voting token per participant: a new one (lost phone) revokes the old.
        await self.repo.revoke_voting_tokens(parent.id, participant.id, moment)
        token = new_token(VOTING)
        self.repo.add(
            SessionToken(
                session_id=parent.id,
                kind=VOTING,
                participant_id=participant.id,
                name=None,
                section_codes=sections,
                token_hash=hash_token(token),
                issued_by=self.principal.sub,
                issued_at=moment,
            )
        )
        await self.repo.flush()
        log.info("voting_token_issued", session_id=parent.id, participant_id=participant.id, by=self.principal.sub)
        return VotingTokenRead(
            token=token, session_id=parent.id, participant_id=participant.id, sections=sections, expires_at=end
        )

    async def add_observer(self, session_id: int, data: ObserverCreate) -> ObserverCreated:
        parent = await self.sessions.load(session_id, write=True)
        moment = utcnow()
        await self._open(parent, moment)
        token = new_token(OBSERVER)
        name = f"{data.name} ({data.organisation})" if data.organisation else data.name
        row = SessionToken(
            session_id=parent.id,
            kind=OBSERVER,
            participant_id=None,
            name=name,
            section_codes=None,
            token_hash=hash_token(token),
            issued_by=self.principal.sub,
            issued_at=moment,
        )
        self.repo.add(row)
        await self.repo.flush()
        log.info("session_observer_added", session_id=parent.id, observer_id=row.id, by=self.principal.sub)
        return ObserverCreated(
            id=row.id, name=name, issued_at=moment, revoked_at=None, token=token, session_id=parent.id
        )

    async def observers(self, session_id: int) -> list[SessionToken]:
        parent = await self.sessions.load(session_id, token_kinds=(OBSERVER,))
        return await self.repo.observers(parent.id)

    async def revoke_observer(self, session_id: int, observer_id: int) -> SessionToken:
        parent = await self.sessions.load(session_id, write=True)
        row = next((o for o in await self.repo.observers(parent.id) if o.id == observer_id), None)
        if row is None:
            raise SessionPartNotFound(f"session {parent.id} has no observer {observer_id}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            await self.repo.flush()
        return row

    async def end(self, session_id: int) -> SessionEndRead:
        """End the session now (tokens stop working); an earlier end stays as it was."""
        parent = await self.sessions.load(session_id, write=True)
        moment = utcnow()
        current = await session_end(self.repo, parent)
        if current is None or current > moment:
            before = parent.ends_at
            parent.ends_at = moment
            self.audit.event(
                region_code=parent.region_code,
                entity="strategic_session",
                entity_id=parent.id,
                action="ended",
                before={"ends_at": before},
                after={"ends_at": moment},
            )
            await self.repo.flush()
            current = moment
        return SessionEndRead(session_id=parent.id, ends_at=current)

    # -- composition ---------------------------------------------------------------------------

    async def set_rules(self, session_id: int, data: CompositionRulesIn) -> CompositionRead:
        parent = await self.sessions.load(session_id, write=True)
        before = parent.composition_rules
        parent.composition_rules = data.model_dump(mode="json")
        self.audit.event(
            region_code=parent.region_code,
            entity="strategic_session",
            entity_id=parent.id,
            action="composition_rules_set",
            before=before,
            after=parent.composition_rules,
        )
        await self.repo.flush()
        return await self.composition(parent.id)

    async def add_participant(self, session_id: int, data: ParticipantCreate) -> tuple[Participant, list[str]]:
        """The new participant, and what its group now breaks in the session's composition rules."""
        participant = await self.sessions.add_participant(session_id, data)
        parent = await self.sessions.load(session_id, write=True)
        return participant, await self.group_warnings(parent, participant.group_id)

    async def group_warnings(self, parent: StrategicSession, group_id: int | None) -> list[str]:
        """What one group now breaks in the session's rules (for a participant's answer)."""
        if group_id is None:
            return []
        group = await self.repo.part(WorkingGroup, parent.id, group_id)
        categories = (await self.repo.group_categories(parent.id)).get(group_id, [])
        rules = composition.CompositionRules.from_json(parent.composition_rules)
        return composition.group_warnings(group.name if group else str(group_id), categories, rules)

    async def composition(self, session_id: int) -> CompositionRead:
        parent = await self.sessions.load(session_id, token_kinds=(OBSERVER,))
        rules = composition.CompositionRules.from_json(parent.composition_rules)
        by_group = await self.repo.group_categories(parent.id)
        groups = []
        for group in await self.repo.parts(WorkingGroup, parent.id):
            categories = by_group.get(group.id, [])
            groups.append(
                GroupComposition(
                    group_id=group.id,
                    name=group.name,
                    size=len(categories),
                    counts=dict(sorted(Counter(categories).items())),
                    warnings=composition.group_warnings(group.name, categories, rules),
                )
            )
        loose = len(by_group.get(None, []))
        warnings = [w for g in groups for w in g.warnings]
        if loose:
            warnings.append(f"{loose} participant(s) are in no working group")
        return CompositionRead(
            session_id=parent.id,
            default_rules=parent.composition_rules is None,
            rules=CompositionRulesIn(
                categories=[
                    CategoryRuleIn(category=ParticipantCategory(c.category), min=c.min, max=c.max)
                    for c in rules.categories
                ],
                group_size_min=rules.group_size_min,
                group_size_max=rules.group_size_max,
            ),
            ok=not warnings,
            groups=groups,
            participants_without_group=loose,
            warnings=warnings,
        )

    # -- pipeline ------------------------------------------------------------------------------

    async def change_status(self, session_id: int, project_id: int, data: ProjectStatusChange) -> SessionProject:
        parent = await self.sessions.load(session_id, write=True)
        project = await self.repo.part(SessionProject, parent.id, project_id)
        if project is None:
            raise SessionPartNotFound(f"session {parent.id} has no project {project_id}")
        sites = list(dict.fromkeys(data.pilot_org_unit_codes or []))
        try:
            pipeline.check_transition(pipeline.ProjectStatus(project.status), data.status, data.refinement_due, sites)
        except pipeline.PipelineError as error:
            if error.pointer is not None:
                raise Unprocessable(str(error), pointer=error.pointer, reason=error.code) from error
            raise PipelineConflict(str(error), reason=error.code) from error
        errors = []
        for n, code in enumerate(sites):
            try:
                await check_org_unit_in_region(self.org_units, code, parent.region_code, f"/pilot_org_unit_codes/{n}")
            except Unprocessable as exc:
                errors.extend(exc.errors or [FieldError(pointer=f"/pilot_org_unit_codes/{n}", message=str(exc))])
        if errors:
            raise Unprocessable(errors[0].message, errors=errors)
        before = {
            "status": project.status,
            "refinement_due": project.refinement_due,
            "pilot_org_unit_codes": project.pilot_org_unit_codes,
        }
        project.status = data.status.value
        project.selected = pipeline.is_selected(data.status)
        if data.refinement_due is not None:
            project.refinement_due = data.refinement_due
        if data.status is pipeline.ProjectStatus.PILOT:
            project.pilot_org_unit_codes = sites
        project.status_changed_at = utcnow()
        self.audit.changes(
            region_code=parent.region_code,
            entity="session_project",
            entity_id=project.id,
            action="status_changed",
            before=before,
            after={
                "status": project.status,
                "refinement_due": project.refinement_due,
                "pilot_org_unit_codes": project.pilot_org_unit_codes,
            },
            reason=data.reason,
        )
        await self.repo.flush()
        log.info("session_project_status", project_id=project.id, status=project.status, by=self.principal.sub)
        return project

    # -- KPIs ----------------------------------------------------------------------------------

    async def kpis(self, region_code: str, year: int | None, now: datetime | None = None) -> SessionKpisRead:
        """Counted from the records of the region's sessions that were held (in ``year``)."""
        require_reader(self.principal, region_code)
        moment = as_utc(now or datetime.now(UTC))
        chosen: list[tuple[StrategicSession, bool]] = []
        for s in await self.repo.region_sessions(region_code):
            end = await session_end(self.repo, s)
            if year is not None and session_year(s, end) != year:
                continue
            chosen.append((s, held(s, end, moment)))
        counts = await self.repo.counts([s.id for s, _ in chosen])
        figures = [
            SessionFigures(
                session_id=s.id,
                theme=s.theme,
                held_on=s.held_on,
                held=was_held,
                participants=counts[s.id][0],
                projects_formed=counts[s.id][1],
                projects_selected=counts[s.id][2],
            )
            for s, was_held in chosen
        ]
        held_rows = [f for f in figures if f.held]
        return SessionKpisRead(
            region_code=region_code,
            year=year,
            sessions_held=len(held_rows),
            participants=sum(f.participants for f in held_rows),
            projects_formed=sum(f.projects_formed for f in held_rows),
            projects_selected=sum(f.projects_selected for f in held_rows),
            sessions=figures,
        )
