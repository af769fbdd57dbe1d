"""Use cases of the regional-centre registry. Flushes, never commits.

A centre id outside the caller's regions is a 404, as if it did not exist. Writers: ``federal``, or
``regional_admin`` of the region. Every change is audited; a change of composition (a member added
or removed, the head or a member's name changed) also joins the day's change notice (``notices``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.audit.recorder import Audit
from roadmap_api.models import CentreMember, CentreNotice, ImprovementProject, RegionalCentre
from roadmap_api.regional_centres import rules
from roadmap_api.regional_centres.errors import CentreExists, CentreNotFound, MemberNotFound
from roadmap_api.regional_centres.notices import enqueue
from roadmap_api.regional_centres.repository import CentreRepository
from roadmap_api.regional_centres.schemas import (
    CentreCreate,
    CentreUpdate,
    CheckRead,
    ComplianceRead,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    NoticeRead,
)
from roadmap_api.regions import (
    check_org_unit_in_region,
    readable_regions,
    region_lineage,
    require_writer,
    resolve_region,
)
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import ServiceUnavailable, Unprocessable

log = get_logger(__name__)

ENTITY_CENTRE, ENTITY_MEMBER = "regional_centre", "centre_member"


def member_read(m: CentreMember) -> MemberRead:
    main_job: bool | str | None = m.main_job_place if m.main_job_place is not None else m.main_job_here
    return MemberRead(
        id=m.id,
        centre_id=m.centre_id,
        name=m.name,
        position=m.position,
        is_head=m.is_head,
        medical_education=m.medical_education,
        site_time_pct=m.site_time_pct,
        main_job=main_job,
        polyclinic_codes=list(m.polyclinic_codes),
        polyclinics_verified=m.polyclinics_verified,
        own_project=m.own_project,
        improvement_project_id=m.improvement_project_id,
        version=m.version,
    )


def notice_read(n: CentreNotice) -> NoticeRead:
    return NoticeRead(
        id=n.id,
        event_date=n.event_date,
        status=n.status,
        attempts=n.attempts,
        last_error=n.last_error,
        next_attempt_at=n.next_attempt_at if n.status == "pending" else None,
        sent_at=n.sent_at,
        due_at=n.due_at,
        changes=list(n.changes),
    )


def _main_job(value: bool | str | None) -> tuple[bool | None, str | None]:
    if isinstance(value, bool) or value is None:
        return value, None
    return False, value


def _snapshot(m: CentreMember) -> dict[str, object]:
    return member_read(m).model_dump(exclude={"id", "centre_id", "version"})


class CentreService:
    def __init__(self, session: AsyncSession, principal: Principal, org_units: OrgUnitClient | None = None) -> None:
        self.session = session
        self.repo = CentreRepository(session)
        self.principal = principal
        self.org_units = org_units
        self.audit = Audit(session, principal.sub)

    async def load(self, centre_id: int, *, write: bool = False) -> RegionalCentre:
        centre = await self.repo.get(centre_id)
        if centre is None or not self.principal.covers(region_lineage(centre.region_code)):
            raise CentreNotFound(centre_id)
        if write:
            require_writer(self.principal, centre.region_code)
        return centre

    def change_date(self, centre: RegionalCentre, given: date | None) -> date:
        """The date of a change of composition: as given, else today in the region's time zone."""
        if given is not None:
            return given
        try:
            zone = ZoneInfo(centre.timezone) if centre.timezone else UTC
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
        return datetime.now(zone).date()

    async def create(self, data: CentreCreate) -> RegionalCentre:
        require_role(self.principal, Role.FEDERAL, Role.REGIONAL_ADMIN)
        region = await resolve_region(self.org_units, data.region_code)
        require_writer(self.principal, data.region_code, region.path if region else None)
        if data.host_org_code is not None:
            await check_org_unit_in_region(self.org_units, data.host_org_code, data.region_code, "/host_org_code")
        existing = await self.repo.by_region(data.region_code)
        if existing is not None:
            raise CentreExists(f"{data.region_code} already has regional centre {existing.id}", centre_id=existing.id)
        centre = RegionalCentre(
            **data.model_dump(), timezone=region.timezone if region else None, created_by=self.principal.sub, version=1
        )
        self.repo.add(centre)
        await self.repo.flush()
        self.audit.event(
            region_code=centre.region_code,
            entity=ENTITY_CENTRE,
            entity_id=centre.id,
            action="created",
            after=data.model_dump(),
        )
        log.info("regional_centre_created", centre_id=centre.id, region=centre.region_code, by=self.principal.sub)
        return centre

    async def update(self, centre_id: int, data: CentreUpdate) -> RegionalCentre:
        centre = await self.load(centre_id, write=True)
        changes = data.model_dump(exclude_unset=True)
        if "name_ru" in changes and changes["name_ru"] is None:
            raise Unprocessable("name_ru cannot be removed", pointer="/name_ru")
        if data.host_org_code is not None:
            await check_org_unit_in_region(self.org_units, data.host_org_code, centre.region_code, "/host_org_code")
        before = {name: getattr(centre, name) for name in changes}
        for name, value in changes.items():
            setattr(centre, name, value)
        if self.audit.changes(
            region_code=centre.region_code,
            entity=ENTITY_CENTRE,
            entity_id=centre.id,
            action="updated",
            before=before,
            after=changes,
        ):
            centre.version += 1
        await self.repo.flush()
        return centre

    async def list_centres(self, after_id: int | None, limit: int) -> list[RegionalCentre]:
        return await self.repo.list_centres(readable_regions(self.principal), after_id, limit)

    # -- members -------------------------------------------------------------------------------

    async def _check_polyclinics(self, centre: RegionalCentre, codes: list[str]) -> tuple[bool, list[str]]:
        """Every code must be an org unit of the centre's region. When kpi-api cannot be asked the
        codes are kept unverified (with a warning): the registry must not stop because of it."""
        try:
            for n, code in enumerate(codes):
                await check_org_unit_in_region(self.org_units, code, centre.region_code, f"/polyclinic_codes/{n}")
        except ServiceUnavailable:
            log.warning("polyclinic_codes_unverified", centre_id=centre.id)
            return False, ["kpi-api could not be asked: the polyclinic codes are kept unverified"]
        return True, []

    async def _check_project(self, centre: RegionalCentre, project_id: int | None) -> None:
        if project_id is None:
            return
        project = await self.session.get(ImprovementProject, project_id)
        if project is None or project.region_code != centre.region_code:
            raise Unprocessable(
                f"there is no improvement project {project_id} in {centre.region_code}",
                pointer="/improvement_project_id",
            )

    async def add_member(self, centre_id: int, data: MemberCreate) -> tuple[CentreMember, CentreNotice, list[str]]:
        centre = await self.load(centre_id, write=True)
        codes = list(dict.fromkeys(data.polyclinic_codes))
        verified, warnings = await self._check_polyclinics(centre, codes)
        await self._check_project(centre, data.improvement_project_id)
        here, place = _main_job(data.main_job)
        member = CentreMember(
            centre_id=centre.id,
            name=data.name,
            position=data.position,
            is_head=data.is_head,
            medical_education=data.medical_education,
            site_time_pct=data.site_time_pct,
            main_job_here=here,
            main_job_place=place,
            polyclinic_codes=codes,
            polyclinics_verified=verified,
            own_project=data.own_project,
            improvement_project_id=data.improvement_project_id,
            version=1,
        )
        self.repo.add(member)
        await self.repo.flush()
        role = "head" if member.is_head else "member"
        notice = await enqueue(
            self.repo, centre, self.change_date(centre, data.changed_on), f"{role} added: {member.name}"
        )
        self.audit.event(
            region_code=centre.region_code,
            entity=ENTITY_MEMBER,
            entity_id=member.id,
            action="added",
            after=_snapshot(member),
        )
        log.info("centre_member_added", centre_id=centre.id, member_id=member.id, by=self.principal.sub)
        return member, notice, warnings

    async def update_member(
        self, centre_id: int, member_id: int, data: MemberUpdate
    ) -> tuple[CentreMember, CentreNotice | None, list[str]]:
        centre = await self.load(centre_id, write=True)
        member = await self.repo.member(centre.id, member_id)
        if member is None:
            raise MemberNotFound(f"centre {centre.id} has no member {member_id}")
        changes = data.model_dump(exclude_unset=True, exclude={"changed_on", "reason"})
        for name in ("name", "position", "is_head", "medical_education", "polyclinic_codes"):
            if name in changes and changes[name] is None:
                raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")
        warnings: list[str] = []
        before = _snapshot(member)
        if data.polyclinic_codes is not None:
            codes = list(dict.fromkeys(data.polyclinic_codes))
            member.polyclinics_verified, warnings = await self._check_polyclinics(centre, codes)
            member.polyclinic_codes = codes
        if "improvement_project_id" in changes:
            await self._check_project(centre, data.improvement_project_id)
            member.improvement_project_id = data.improvement_project_id
        if "main_job" in changes:
            member.main_job_here, member.main_job_place = _main_job(data.main_job)
        for name in ("name", "position", "is_head", "medical_education", "site_time_pct", "own_project"):
            if name in changes:
                setattr(member, name, changes[name])
        after = _snapshot(member)
        notice = None
        if before["is_head"] != after["is_head"] or before["name"] != after["name"]:
            what = "head changed" if before["is_head"] != after["is_head"] else "member replaced"
            notice = await enqueue(
                self.repo, centre, self.change_date(centre, data.changed_on), f"{what}: {member.name}"
            )
        if self.audit.changes(
            region_code=centre.region_code,
            entity=ENTITY_MEMBER,
            entity_id=member.id,
            action="updated",
            before=before,
            after=after,
            reason=data.reason,
        ):
            member.version += 1
        await self.repo.flush()
        return member, notice, warnings

    async def remove_member(
        self, centre_id: int, member_id: int, changed_on: date | None, reason: str | None
    ) -> CentreNotice:
        centre = await self.load(centre_id, write=True)
        member = await self.repo.member(centre.id, member_id)
        if member is None:
            raise MemberNotFound(f"centre {centre.id} has no member {member_id}")
        snapshot = _snapshot(member)
        name = member.name
        await self.repo.delete(member)
        notice = await enqueue(self.repo, centre, self.change_date(centre, changed_on), f"member removed: {name}")
        self.audit.event(
            region_code=centre.region_code,
            entity=ENTITY_MEMBER,
            entity_id=member_id,
            action="removed",
            before=snapshot,
            reason=reason,
        )
        await self.repo.flush()
        return notice

    # -- compliance and notices ----------------------------------------------------------------

    async def compliance(self, centre_id: int) -> ComplianceRead:
        centre = await self.load(centre_id)
        members = await self.repo.members(centre.id)
        facts = [rules.MemberFact(m.name, m.is_head, m.medical_education, tuple(m.polyclinic_codes)) for m in members]
        checks = rules.compliance(facts, centre.polyclinics_total)
        curated = len({c for m in members for c in m.polyclinic_codes})
        return ComplianceRead(
            centre_id=centre.id,
            region_code=centre.region_code,
            ok=all(c.ok for c in checks),
            staff=len(members),
            polyclinics=max(curated, centre.polyclinics_total or 0),
            checks=[CheckRead(rule=c.rule, ok=c.ok, detail=c.detail) for c in checks],
        )

    async def notices(self, centre_id: int) -> list[CentreNotice]:
        centre = await self.load(centre_id)
        return await self.repo.notices(centre.id)
