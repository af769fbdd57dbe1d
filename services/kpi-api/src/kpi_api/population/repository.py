"""All SQL of population figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import OrgUnit, OrgUnitPopulation
from kpi_api.org_units.rules import path_codes


class PopulationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def figures(self, org_unit_id: int, limit: int = 500) -> list[OrgUnitPopulation]:
        result = await self.session.execute(
            select(OrgUnitPopulation)
            .where(OrgUnitPopulation.org_unit_id == org_unit_id)
            .order_by(OrgUnitPopulation.as_of.desc(), OrgUnitPopulation.kind)
            .limit(limit)
        )
        return list(result.scalars())

    async def get(self, org_unit_id: int, kind: str, as_of: date) -> OrgUnitPopulation | None:
        result = await self.session.execute(
            select(OrgUnitPopulation).where(
                OrgUnitPopulation.org_unit_id == org_unit_id,
                OrgUnitPopulation.kind == kind,
                OrgUnitPopulation.as_of == as_of,
            )
        )
        return result.scalar_one_or_none()

    async def recorded_in_lineage(self, unit: OrgUnit, kind: str) -> str | None:
        """The code of an ancestor or descendant of ``unit`` that already has figures of ``kind``."""
        ancestors = path_codes(unit.path)[:-1]
        query = (
            select(OrgUnit.code)
            .join(OrgUnitPopulation, OrgUnitPopulation.org_unit_id == OrgUnit.id)
            .where(
                OrgUnitPopulation.kind == kind,
                OrgUnit.id != unit.id,
                or_(
                    OrgUnit.path.startswith(unit.path, autoescape=True),
                    OrgUnit.code.in_(ancestors) if ancestors else OrgUnit.id != OrgUnit.id,
                ),
            )
            .order_by(OrgUnit.code)
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    def add(self, row: OrgUnitPopulation) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
