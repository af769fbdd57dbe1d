"""Use cases of the org-unit registry. Takes the session and the caller explicitly; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import OrgUnit
from kpi_api.org_units.errors import OrgUnitCodeTaken, OrgUnitNotFound
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.org_units.rules import child_path, code_problem, parent_problem, path_codes, timezone_problem
from kpi_api.org_units.schemas import OrgUnitCreate, OrgUnitRead, OrgUnitUpdate
from kpi_api.population.rules import SettlementType, Subordination
from zdrav_shared.auth import Principal, Role, require_role, require_scope
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import Unprocessable

log = get_logger(__name__)

WRITER_ROLES = (Role.FEDERAL, Role.REGIONAL_ADMIN)


def can_write_under(principal: Principal, lineage: Sequence[str]) -> None:
    """Writes need ``federal``, or ``regional_admin`` with the place inside its scope."""
    require_role(principal, *WRITER_ROLES)
    if Role.FEDERAL not in principal.roles:
        require_scope(principal, lineage)


@dataclass
class ResolvedUnit:
    unit: OrgUnit
    lineage: list[OrgUnit]  # root → unit, inclusive

    @property
    def region_code(self) -> str | None:
        return next((u.code for u in self.lineage if u.level == OrgUnitLevel.REGION), None)

    @property
    def timezone(self) -> str | None:
        return next((u.timezone for u in reversed(self.lineage) if u.timezone), None)

    def read(self) -> OrgUnitRead:
        unit = self.unit
        parent = self.lineage[-2].code if len(self.lineage) > 1 else None
        return OrgUnitRead(
            code=unit.code,
            name_ru=unit.name_ru,
            name_en=unit.name_en,
            level=OrgUnitLevel(unit.level),
            parent_code=parent,
            path=path_codes(unit.path),
            region_code=self.region_code,
            timezone=self.timezone,
            own_timezone=unit.timezone,
            kind=unit.kind,
            rural=unit.rural,
            subordination=Subordination(unit.subordination) if unit.subordination else None,
            settlement_type=SettlementType(unit.settlement_type) if unit.settlement_type else None,
            active=unit.active,
            version=unit.version,
            created_at=unit.created_at,
            updated_at=unit.updated_at,
        )


def inherited_subordination(data: OrgUnitCreate, parent: OrgUnit | None) -> str | None:
    """The subordination given, else — for a subdivision — its organisation's: a department is run by
    whoever runs the organisation."""
    if data.subordination is not None:
        return data.subordination.value
    if data.level is OrgUnitLevel.SUBDIVISION and parent is not None:
        return parent.subordination
    return None


class OrgUnitService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = OrgUnitRepository(session)

    async def resolve(self, code: str) -> ResolvedUnit:
        unit = await self.repo.get(code)
        if unit is None:
            raise OrgUnitNotFound(code)
        return ResolvedUnit(unit, [*await self.repo.ancestors(unit), unit])

    async def read_many(self, units: Sequence[OrgUnit]) -> list[OrgUnitRead]:
        """Resolve lineages for a list with one query for all ancestors."""
        ancestor_codes = {c for u in units for c in path_codes(u.path)}
        known = await self.repo.get_many(sorted(ancestor_codes))
        return [ResolvedUnit(u, [known[c] for c in path_codes(u.path) if c in known]).read() for u in units]

    async def create(self, principal: Principal, data: OrgUnitCreate) -> ResolvedUnit:
        if problem := code_problem(data.code, data.level):
            raise Unprocessable(problem, pointer="/code")
        parent: ResolvedUnit | None = None
        if data.parent_code is not None:
            parent_unit = await self.repo.get(data.parent_code)
            if parent_unit is None:
                raise Unprocessable(f"there is no org unit with code {data.parent_code}", pointer="/parent_code")
            parent = ResolvedUnit(parent_unit, [*await self.repo.ancestors(parent_unit), parent_unit])
        parent_level = OrgUnitLevel(parent.unit.level) if parent else None
        if problem := parent_problem(data.level, parent_level):
            raise Unprocessable(problem, pointer="/parent_code" if data.parent_code else "/level")
        if problem := timezone_problem(data.timezone, data.level):
            raise Unprocessable(problem, pointer="/timezone")
        can_write_under(principal, [u.code for u in parent.lineage] if parent else [data.code])
        if await self.repo.get(data.code) is not None:
            raise OrgUnitCodeTaken(data.code)
        unit = OrgUnit(
            code=data.code,
            name_ru=data.name_ru,
            name_en=data.name_en,
            level=data.level.value,
            parent_id=parent.unit.id if parent else None,
            kind=data.kind,
            rural=data.rural,
            subordination=inherited_subordination(data, parent.unit if parent else None),
            settlement_type=data.settlement_type.value if data.settlement_type else None,
            timezone=data.timezone,
            path=child_path(parent.unit.path if parent else None, data.code),
            active=True,
            version=1,
        )
        self.repo.add(unit)
        await self.repo.flush()
        log.info("org_unit_created", code=unit.code, level=unit.level, by=principal.sub)
        return ResolvedUnit(unit, [*(parent.lineage if parent else []), unit])

    async def update(self, principal: Principal, code: str, data: OrgUnitUpdate, if_match: str | None) -> ResolvedUnit:
        resolved = await self.resolve(code)
        can_write_under(principal, [u.code for u in resolved.lineage])
        check_if_match(if_match, resolved.unit.version)
        changes = data.model_dump(exclude_unset=True)
        if "timezone" in changes and (
            problem := timezone_problem(changes["timezone"], OrgUnitLevel(resolved.unit.level))
        ):
            raise Unprocessable(problem, pointer="/timezone")
        if "name_ru" in changes and changes["name_ru"] is None:
            raise Unprocessable("name_ru cannot be removed", pointer="/name_ru")
        for field, value in changes.items():
            if field in ("subordination", "settlement_type") and value is not None:
                value = value.value
            setattr(resolved.unit, field, value if field != "rural" or value is not None else False)
        if changes:
            resolved.unit.version += 1
            await self.repo.flush()
            log.info("org_unit_updated", code=code, fields=sorted(changes), by=principal.sub)
        return resolved

    async def subtree(self, code: str, max_depth: int | None) -> list[OrgUnitRead]:
        resolved = await self.resolve(code)
        return await self.read_many(await self.repo.subtree(resolved.unit, max_depth))

    async def ancestors(self, code: str) -> list[OrgUnitRead]:
        resolved = await self.resolve(code)
        return await self.read_many(resolved.lineage[:-1])
