"""Use cases of escalations. Flushes, never commits. The thread's events are its audit trail (who,
as what, when); an escalation outside the caller's scope is a 404."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.escalations.errors import EscalationConflict, EscalationNotFound
from roadmap_api.escalations.repository import EscalationRepository
from roadmap_api.escalations.rules import Level, Status, Subject, next_level
from roadmap_api.escalations.schemas import AnswerCreate, EscalationCreate, MessageCreate
from roadmap_api.models import Escalation, EscalationEvent, ImprovementProject
from roadmap_api.regions import readable_regions, region_lineage, require_writer
from zdrav_shared.auth import FEDERATION_CODE, Principal, Role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import Forbidden, Unprocessable

log = get_logger(__name__)

REGIONAL_LEVELS = (Level.REGIONAL_CENTRE, Level.MINISTRY)


class EscalationService:
    def __init__(self, session: AsyncSession, principal: Principal, org_units: OrgUnitClient | None = None) -> None:
        self.session = session
        self.repo = EscalationRepository(session)
        self.principal = principal
        self.org_units = org_units

    def _lineage(self, e: Escalation) -> list[str]:
        return [*region_lineage(e.region_code), *(e.org_unit_path or [])]

    def _may_open(self, region_code: str, path: list[str]) -> None:
        if self.principal.has_role(Role.MO_OPERATOR) and self.principal.covers(path):
            return
        require_writer(self.principal, region_code)

    async def load(self, escalation_id: int) -> Escalation:
        found = await self.repo.get(escalation_id)
        if found is None or not self.principal.covers(self._lineage(found)):
            raise EscalationNotFound(escalation_id)
        return found

    def _event(self, e: Escalation, kind: str, text: str) -> None:
        self.repo.add(
            EscalationEvent(
                escalation_id=e.id,
                kind=kind,
                level=e.level,
                text=text,
                actor=self.principal.sub,
                actor_roles=sorted(self.principal.roles),
                at=utcnow(),
            )
        )

    async def _subject(self, data: EscalationCreate) -> tuple[str, list[str], str | None]:
        """``(region, org-unit path, org-unit code)`` of what the problem is about."""
        if data.subject_kind is Subject.IMPROVEMENT_PROJECT:
            project = await self.session.get(ImprovementProject, data.improvement_project_id)
            if project is None or not self.principal.covers(
                [*region_lineage(project.region_code), *(project.org_unit_path or [])]
            ):
                raise Unprocessable(
                    f"there is no improvement project {data.improvement_project_id}", pointer="/improvement_project_id"
                )
            return project.region_code, list(project.org_unit_path or []), project.org_unit_code
        assert data.org_unit_code is not None
        if self.org_units is None:
            raise Unprocessable("org units cannot be checked", pointer="/org_unit_code")  # pragma: no cover
        unit = await self.org_units.get(data.org_unit_code)
        if unit is None or (unit.region_code is None and len(unit.path) < 2):
            raise Unprocessable(f"there is no org unit with code {data.org_unit_code}", pointer="/org_unit_code")
        if unit.level not in (OrgUnitLevel.ORGANISATION, OrgUnitLevel.SUBDIVISION):
            raise Unprocessable(
                f"{data.org_unit_code} is a {unit.level.value}, not a polyclinic or its subdivision",
                pointer="/org_unit_code",
            )
        return unit.region_code or unit.path[1], list(unit.path), unit.code

    async def create(self, data: EscalationCreate) -> Escalation:
        region, path, org_unit = await self._subject(data)
        if region == FEDERATION_CODE:
            raise Unprocessable("the subject must lie in a region", pointer="/org_unit_code")
        self._may_open(region, [*region_lineage(region), *path])
        escalation = Escalation(
            region_code=region,
            subject_kind=data.subject_kind.value,
            org_unit_code=org_unit,
            org_unit_path=path,
            improvement_project_id=data.improvement_project_id,
            title=data.title,
            description=data.description,
            level=Level.REGIONAL_CENTRE.value,
            status=Status.OPEN.value,
            created_by=self.principal.sub,
            version=1,
        )
        self.repo.add(escalation)
        await self.repo.flush()
        self._event(escalation, "opened", data.description)
        await self.repo.flush()
        log.info("escalation_opened", escalation_id=escalation.id, region=region, by=self.principal.sub)
        return escalation

    async def list_escalations(
        self, status: Status | None, level: Level | None, after_id: int | None, limit: int
    ) -> list[Escalation]:
        return await self.repo.list_escalations(
            regions=readable_regions(self.principal),
            status=status.value if status else None,
            level=level.value if level else None,
            after_id=after_id,
            limit=limit,
        )

    def _open_thread(self, e: Escalation) -> None:
        if e.status == Status.RESOLVED:
            raise EscalationConflict(f"escalation {e.id} is resolved", reason="resolved")

    async def comment(self, escalation_id: int, data: MessageCreate) -> Escalation:
        e = await self.load(escalation_id)
        self._open_thread(e)
        self._may_open(e.region_code, self._lineage(e))
        self._event(e, "comment", data.text)
        e.version += 1
        await self.repo.flush()
        return e

    async def raise_level(self, escalation_id: int, data: MessageCreate) -> Escalation:
        e = await self.load(escalation_id)
        self._open_thread(e)
        require_writer(self.principal, e.region_code)
        above = next_level(Level(e.level))
        if above is None:
            raise EscalationConflict(f"escalation {e.id} is already with the federal centre", reason="top_level")
        e.level = above.value
        e.status = Status.OPEN.value
        e.version += 1
        self._event(e, "raised", data.text)
        await self.repo.flush()
        log.info("escalation_raised", escalation_id=e.id, level=e.level, by=self.principal.sub)
        return e

    async def answer(self, escalation_id: int, data: AnswerCreate) -> Escalation:
        e = await self.load(escalation_id)
        self._open_thread(e)
        if Level(e.level) is Level.FEDERAL_CENTRE:
            if not self.principal.has_role(Role.FEDERAL):
                raise Forbidden("the federal centre answers at its level", reason="federal_centre_answers")
        else:
            require_writer(self.principal, e.region_code)
        self._event(e, "answered", data.text)
        e.status = Status.RESOLVED.value if data.resolve else Status.ANSWERED.value
        if data.resolve:
            self._event(e, "resolved", "resolved by the answer")
        e.version += 1
        await self.repo.flush()
        return e

    async def resolve(self, escalation_id: int, data: MessageCreate) -> Escalation:
        e = await self.load(escalation_id)
        self._open_thread(e)
        require_writer(self.principal, e.region_code)
        e.status = Status.RESOLVED.value
        e.version += 1
        self._event(e, "resolved", data.text)
        await self.repo.flush()
        return e
