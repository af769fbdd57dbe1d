"""All SQL of the org-unit registry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import OrgUnit
from kpi_api.org_units.rules import path_codes


class OrgUnitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> OrgUnit | None:
        result = await self.session.execute(select(OrgUnit).where(OrgUnit.code == code))
        return result.scalar_one_or_none()

    async def get_many(self, codes: Sequence[str]) -> dict[str, OrgUnit]:
        if not codes:
            return {}
        result = await self.session.execute(select(OrgUnit).where(OrgUnit.code.in_(list(codes))))
        return {u.code: u for u in result.scalars()}

    async def ancestors(self, unit: OrgUnit) -> list[OrgUnit]:
        """From the root down to the unit's parent."""
        codes = path_codes(unit.path)[:-1]
        found = await self.get_many(codes)
        return [found[c] for c in codes if c in found]

    def _list_query(
        self,
        parent_code: str | None,
        level: str | None,
        under_path: str | None,
        search: str | None,
        scope_paths: Sequence[str] | None,
        attributes: Mapping[str, str] | None = None,
    ) -> Select[OrgUnit]:
        query = select(OrgUnit)
        for name, value in (attributes or {}).items():
            query = query.where(getattr(OrgUnit, name) == value)
        if parent_code is not None:
            parent = select(OrgUnit.id).where(OrgUnit.code == parent_code).scalar_subquery()
            query = query.where(OrgUnit.parent_id == parent)
        if level is not None:
            query = query.where(OrgUnit.level == level)
        if under_path is not None:
            query = query.where(OrgUnit.path.startswith(under_path, autoescape=True))
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(or_(func.lower(OrgUnit.name_ru).like(pattern), func.lower(OrgUnit.code).like(pattern)))
        if scope_paths is not None:
            query = query.where(or_(*[OrgUnit.path.startswith(p, autoescape=True) for p in scope_paths]))
        return query

    async def list_units(
        self,
        *,
        limit: int,
        after_code: str | None = None,
        parent_code: str | None = None,
        level: str | None = None,
        under_path: str | None = None,
        search: str | None = None,
        scope_paths: Sequence[str] | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> list[OrgUnit]:
        """Ordered by code; fetches ``limit`` rows (callers ask for one more to detect a next page).
        ``attributes`` filters on ``kind``, ``subordination`` or ``settlement_type``."""
        query = self._list_query(parent_code, level, under_path, search, scope_paths, attributes)
        if after_code is not None:
            query = query.where(OrgUnit.code > after_code)
        result = await self.session.execute(query.order_by(OrgUnit.code).limit(limit))
        return list(result.scalars())

    async def subtree(self, unit: OrgUnit, max_depth: int | None = None) -> list[OrgUnit]:
        """The unit and everything below it, ordered by path (parents before children)."""
        result = await self.session.execute(
            select(OrgUnit).where(OrgUnit.path.startswith(unit.path, autoescape=True)).order_by(OrgUnit.path)
        )
        units = list(result.scalars())
        if max_depth is not None:
            base = len(path_codes(unit.path))
            units = [u for u in units if len(path_codes(u.path)) - base <= max_depth]
        return units

    async def existing_codes(self, codes: Sequence[str]) -> set[str]:
        if not codes:
            return set()
        result = await self.session.execute(select(OrgUnit.code).where(OrgUnit.code.in_(list(codes))))
        return set(result.scalars())

    def add(self, unit: OrgUnit) -> None:
        self.session.add(unit)

    async def flush(self) -> None:
        await self.session.flush()

    async def paths_of(self, codes: Sequence[str]) -> list[str]:
        """Materialised paths of the given codes (unknown codes are skipped)."""
        if not codes:
            return []
        result = await self.session.execute(select(OrgUnit.path).where(OrgUnit.code.in_(sorted(set(codes)))))
        return sorted(result.scalars())
