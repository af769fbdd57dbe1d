"""Population figures of org units by date: record (audited, one level per branch) and read with the
Murmansk differentiation group."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.models import OrgUnitPopulation
from kpi_api.numbers import plain
from kpi_api.org_units.service import OrgUnitService, ResolvedUnit
from kpi_api.population.indicators import ensure_population_indicators
from kpi_api.population.repository import PopulationRepository
from kpi_api.population.rules import (
    DIFFERENTIATED_SETTLEMENTS,
    PopulationKind,
    SettlementType,
    Subordination,
    differentiation_band,
)
from kpi_api.population.schemas import Differentiation, PopulationFigureCreate, PopulationFigureRead, PopulationRead
from zdrav_shared.auth import Principal, Role, require_role, require_scope
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import Conflict

log = get_logger(__name__)

ENTITY = "population"
WRITERS = (Role.FEDERAL, Role.REGIONAL_ADMIN, Role.MO_OPERATOR)


def _snapshot(row: OrgUnitPopulation) -> dict[str, Any]:
    return {"kind": row.kind, "as_of": row.as_of.isoformat(), "value": str(plain(row.value)), "source": row.source}


def _read(code: str, row: OrgUnitPopulation) -> PopulationFigureRead:
    return PopulationFigureRead(
        org_unit_code=code,
        kind=PopulationKind(row.kind),
        as_of=row.as_of,
        value=plain(row.value) or row.value,
        source=row.source,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


class PopulationService:
    def __init__(self, session: AsyncSession) -> None:
        self.units = OrgUnitService(session)
        self.repo = PopulationRepository(session)
        self.audit = AuditRepository(session)

    async def record(
        self, principal: Principal, code: str, body: PopulationFigureCreate
    ) -> tuple[PopulationRead, bool]:
        """Store a figure (a second one for the same kind and date replaces it). A figure is recorded at
        one level of a branch: with figures of the same kind on an ancestor or a descendant the sum over
        a subtree would count people twice (409 ``population_in_lineage``)."""
        require_role(principal, *WRITERS)
        resolved = await self.units.resolve(code)
        require_scope(principal, [u.code for u in resolved.lineage], code)
        other = await self.repo.recorded_in_lineage(resolved.unit, body.kind.value)
        if other is not None:
            raise Conflict(
                f"{other} (above or below {code}) already has {body.kind.value} population figures; a subtree's "
                "population is the sum of its units' figures, so each branch keeps them at one level",
                reason="population_in_lineage",
                org_unit_code=other,
            )
        await ensure_population_indicators(self.repo.session, (body.kind,))
        row = await self.repo.get(resolved.unit.id, body.kind.value, body.as_of)
        created = row is None
        before = None if row is None else _snapshot(row)
        if row is None:
            row = OrgUnitPopulation(org_unit_id=resolved.unit.id, kind=body.kind.value, as_of=body.as_of)
            self.repo.add(row)
        row.value, row.source, row.updated_by = body.value, body.source, principal.sub
        await self.repo.flush()
        after = _snapshot(row)
        if before != after:
            self.audit.record(ENTITY, row.id, "created" if created else "updated", principal.sub, before, after)
            log.info("population_recorded", org_unit=code, kind=row.kind, as_of=row.as_of.isoformat())
        return await self._read(resolved), created

    async def read(self, code: str) -> PopulationRead:
        return await self._read(await self.units.resolve(code))

    async def _read(self, resolved: ResolvedUnit) -> PopulationRead:
        unit = resolved.unit
        rows = await self.repo.figures(unit.id)
        latest: dict[str, OrgUnitPopulation] = {}
        for row in rows:
            latest.setdefault(row.kind, row)
        attached = latest.get(PopulationKind.ATTACHED.value)
        settlement = SettlementType(unit.settlement_type) if unit.settlement_type else None
        differentiation = None
        if attached is not None:
            band = differentiation_band(attached.value)
            differentiation = Differentiation(
                group=band.group if band else None,
                coefficient=band.coefficient if band else None,
                band_ru=band.label_ru if band else None,
                applies=settlement in DIFFERENTIATED_SETTLEMENTS,
            )
        resident = latest.get(PopulationKind.RESIDENT.value)
        return PopulationRead(
            org_unit_code=unit.code,
            subordination=Subordination(unit.subordination) if unit.subordination else None,
            settlement_type=settlement,
            attached=_read(unit.code, attached) if attached else None,
            resident=_read(unit.code, resident) if resident else None,
            differentiation=differentiation,
            figures=[_read(unit.code, r) for r in rows],
        )
