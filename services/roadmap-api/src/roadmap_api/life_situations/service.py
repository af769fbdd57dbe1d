"""Use cases of life situations and their institutions. Flushes, never commits.

Life situations are definitions with an owner: the three health situations of the national method
are seeded, owned by the federation (``RU``); a region adds its own. Institutions are a region's:
the organisations where the region measures a life situation (at least two, urban and rural).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.audit.recorder import Audit
from roadmap_api.life_situations import rules
from roadmap_api.life_situations.errors import LifeSituationCodeTaken, LifeSituationNotFound
from roadmap_api.life_situations.repository import LifeSituationRepository
from roadmap_api.life_situations.schemas import (
    InstitutionCreate,
    InstitutionRead,
    InstitutionsRead,
    LifeSituationCreate,
    LifeSituationUpdate,
)
from roadmap_api.models import LifeSituation, LifeSituationInstitution
from roadmap_api.regions import require_reader, require_writer
from zdrav_shared.auth import FEDERATION_CODE, Principal, Role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.logging import get_logger
from zdrav_shared.ownership import default_owner, require_owner
from zdrav_shared.problems import Forbidden, Unprocessable

log = get_logger(__name__)

INSTITUTION_LEVELS = (OrgUnitLevel.ORGANISATION, OrgUnitLevel.SUBDIVISION)


def require_unit_writer(principal: Principal, region_code: str, path: list[str]) -> None:
    """Writers of the region (``federal``, ``regional_admin``), or an ``mo_operator`` whose scope
    covers the institution itself; 403 otherwise."""
    if principal.has_role(Role.MO_OPERATOR) and principal.covers(path):
        return
    if principal.has_role(Role.FEDERAL, Role.REGIONAL_ADMIN):
        require_writer(principal, region_code, path)
        return
    raise Forbidden("this operation needs one of the roles: federal, regional_admin, mo_operator of the institution")


def institutions_read(
    situation: LifeSituation, region_code: str, rows: list[LifeSituationInstitution]
) -> InstitutionsRead:
    warnings = rules.institution_warnings([rules.InstitutionFact(r.org_unit_code, r.rural) for r in rows], region_code)
    return InstitutionsRead(
        life_situation_code=situation.code,
        region_code=region_code,
        institutions=[InstitutionRead.model_validate(r, from_attributes=True) for r in rows],
        ok=not warnings,
        warnings=warnings,
    )


class LifeSituationService:
    def __init__(self, session: AsyncSession, principal: Principal, org_units: OrgUnitClient | None = None) -> None:
        self.repo = LifeSituationRepository(session)
        self.principal = principal
        self.org_units = org_units
        self.audit = Audit(session, principal.sub)

    async def get(self, code: str) -> LifeSituation:
        found = await self.repo.by_code(code)
        if found is None:
            raise LifeSituationNotFound(code)
        return found

    async def list_situations(self, after_id: int | None, limit: int) -> list[LifeSituation]:
        return await self.repo.list_situations(after_id, limit)

    async def create(self, data: LifeSituationCreate) -> LifeSituation:
        owner = default_owner(self.principal, data.owner)
        if await self.repo.by_code(data.code) is not None:
            raise LifeSituationCodeTaken(data.code)
        situation = LifeSituation(
            **data.model_dump(exclude={"owner"}), owner=owner, created_by=self.principal.sub, version=1
        )
        self.repo.add(situation)
        await self.repo.flush()
        self.audit.event(
            region_code=owner,
            entity="life_situation",
            entity_id=situation.id,
            action="created",
            after=data.model_dump(),
        )
        return situation

    async def update(self, code: str, data: LifeSituationUpdate) -> LifeSituation:
        situation = await self.get(code)
        require_owner(self.principal, situation.owner, f"life situation {code}")
        changes = data.model_dump(exclude_unset=True, exclude={"reason"})
        for name in ("name_ru", "start_event_ru", "end_event_ru", "beneficiaries_ru"):
            if name in changes and changes[name] is None:
                raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")
        before = {name: getattr(situation, name) for name in changes}
        for name, value in changes.items():
            setattr(situation, name, value)
        if self.audit.changes(
            region_code=situation.owner,
            entity="life_situation",
            entity_id=situation.id,
            action="updated",
            before=before,
            after=changes,
            reason=data.reason,
        ):
            situation.version += 1
        await self.repo.flush()
        return situation

    # -- institutions --------------------------------------------------------------------------

    async def resolve_unit(
        self, org_unit_code: str, region_code: str | None, rural: bool | None
    ) -> tuple[str, list[str], bool | None]:
        """``(region_code, path, rural)`` of an institution, from kpi-api where it is configured."""
        if self.org_units is None:
            if region_code is None:
                raise Unprocessable("region_code is required", pointer="/region_code")
            return region_code, [FEDERATION_CODE, region_code, org_unit_code], rural
        unit = await self.org_units.get(org_unit_code)
        if unit is None:
            raise Unprocessable(f"there is no org unit with code {org_unit_code}", pointer="/org_unit_code")
        if unit.level not in INSTITUTION_LEVELS:
            raise Unprocessable(
                f"{org_unit_code} is a {unit.level.value}; an institution is an organisation or a subdivision",
                pointer="/org_unit_code",
            )
        unit_region = unit.region_code or (unit.path[1] if len(unit.path) > 1 else None)
        if unit_region is None:
            raise Unprocessable(f"kpi-api gives no region for {org_unit_code}", pointer="/org_unit_code")
        if region_code is not None and region_code != unit_region:
            raise Unprocessable(f"{org_unit_code} is in {unit_region}, not {region_code}", pointer="/region_code")
        path = unit.path or [FEDERATION_CODE, unit_region, org_unit_code]
        return unit_region, path, unit.rural if unit.rural is not None else rural

    async def institution(self, situation: LifeSituation, data: InstitutionCreate) -> LifeSituationInstitution:
        """The institution, registered now if it was not yet (the same org unit twice is one)."""
        region_code, path, rural = await self.resolve_unit(data.org_unit_code, data.region_code, data.rural)
        require_unit_writer(self.principal, region_code, path)
        existing = await self.repo.institution(situation.id, data.org_unit_code)
        if existing is not None:
            return existing
        row = LifeSituationInstitution(
            life_situation_id=situation.id,
            region_code=region_code,
            org_unit_code=data.org_unit_code,
            org_unit_path=path,
            rural=rural,
            created_by=self.principal.sub,
        )
        self.repo.add(row)
        await self.repo.flush()
        self.audit.event(
            region_code=region_code,
            entity="life_situation",
            entity_id=situation.id,
            action="institution_added",
            after={"org_unit_code": row.org_unit_code, "rural": rural},
        )
        log.info("life_situation_institution_added", life_situation=situation.code, org_unit=row.org_unit_code)
        return row

    async def add_institution(self, code: str, data: InstitutionCreate) -> InstitutionsRead:
        situation = await self.get(code)
        row = await self.institution(situation, data)
        return await self.institutions(situation.code, row.region_code)

    async def institutions(self, code: str, region_code: str) -> InstitutionsRead:
        situation = await self.get(code)
        require_reader(self.principal, region_code)
        return institutions_read(situation, region_code, await self.repo.institutions(situation.id, region_code))
