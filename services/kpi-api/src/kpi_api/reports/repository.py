"""All SQL of the quarterly report that analytics does not already cover: the regions in scope, the
units each region has per level, and the completeness counts of every region in one GROUP BY each.

A report counts a value of an indicator at the units of its reporting level (organisations when it
has none), and a region's own indicator only in that region."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kpi_api.indicators.definition import DEFAULT_EXPECTED_LEVEL
from kpi_api.models import Indicator, IndicatorValue, OrgUnit
from kpi_api.scope import Scope
from kpi_api.values.schemas import ValueStatus
from zdrav_shared.auth import FEDERATION_CODE

RECEIVED = (ValueStatus.SUBMITTED.value, ValueStatus.APPROVED.value)


@dataclass(frozen=True, slots=True)
class ReportCounts:
    received: int
    late: int
    drafts: int
    approved: int = 0


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def regions(self, scope: Scope) -> list[OrgUnit]:
        """Every region inside the caller's scope, by code."""
        query = select(OrgUnit).where(OrgUnit.level == "region")
        limit = scope.clause(OrgUnit.path)
        if limit is not None:
            query = query.where(limit)
        return list((await self.session.execute(query.order_by(OrgUnit.code))).scalars())

    async def active_indicators(self) -> list[Indicator]:
        result = await self.session.execute(select(Indicator).where(Indicator.active).order_by(Indicator.code))
        return list(result.scalars())

    async def catalogue(self) -> dict[str, Indicator]:
        """Every indicator by code (formulas' inputs may be switched off)."""
        return {i.code: i for i in (await self.session.execute(select(Indicator))).scalars()}

    async def units_by_level(self, region_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Active org units per region and level (the units expected to report)."""
        regions = await self._region_paths(region_ids)
        if not regions:
            return {}
        unit = OrgUnit
        query = select(unit.path, unit.level).where(unit.active, _under_any(unit, regions))
        found: dict[int, dict[str, int]] = {}
        by_path = {path: region_id for region_id, (path, _) in regions.items()}
        for path, level in (await self.session.execute(query)).all():
            region_id = _region_of(path, by_path)
            if region_id is not None:
                counts = found.setdefault(region_id, {})
                counts[level] = counts.get(level, 0) + 1
        return found

    async def reports(
        self, indicator_ids: Sequence[int], region_ids: Sequence[int], period: str
    ) -> dict[int, ReportCounts]:
        """Received (submitted or approved), approved, late and draft values per region, of active units at
        each indicator's reporting level (organisations without one), a region's own indicators only there.

        Counted per unit and owner in SQL, then per region here: a join of the values to the regions on a
        path prefix is a nested loop over every region × every value (half a second a call for 85 regions
        of 300 organisations), where a unit's region is a dictionary look-up of its path's prefixes."""
        regions = await self._region_paths(region_ids)
        if not indicator_ids or not regions:
            return {}
        unit, v, i = aliased(OrgUnit), IndicatorValue, Indicator
        received = v.status.in_(RECEIVED)
        query = (
            select(
                unit.path,
                i.owner,
                _count(received),
                _count(and_(received, v.late.is_(True))),
                _count(v.status == "draft"),
                _count(v.status == ValueStatus.APPROVED.value),
            )
            .select_from(v)
            .join(i, i.id == v.indicator_id)
            .join(unit, unit.id == v.org_unit_id)
            .where(
                v.indicator_id.in_(sorted(set(indicator_ids))),
                v.period == period,
                unit.level == func.coalesce(i.reporting_level, DEFAULT_EXPECTED_LEVEL.value),
                unit.active,
                _under_any(unit, regions),
            )
            .group_by(unit.path, i.owner)
        )
        totals: dict[int, list[int]] = {}
        by_path = {path: region_id for region_id, (path, _) in regions.items()}
        for path, owner, *counts in (await self.session.execute(query)).all():
            region_id = _region_of(path, by_path)
            if region_id is None or owner not in (FEDERATION_CODE, regions[region_id][1]):
                continue
            running = totals.setdefault(region_id, [0, 0, 0, 0])
            for n, count in enumerate(counts):
                running[n] += int(count)
        return {r: ReportCounts(*counts) for r, counts in totals.items()}

    async def _region_paths(self, region_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """(path, code) of each region by id."""
        if not region_ids:
            return {}
        query = select(OrgUnit.id, OrgUnit.path, OrgUnit.code).where(OrgUnit.id.in_(sorted(set(region_ids))))
        return {region_id: (path, code) for region_id, path, code in (await self.session.execute(query)).all()}


def _under_any(unit: Any, regions: dict[int, tuple[str, str]]) -> ColumnElement[bool]:
    """The unit lies in one of the regions (a prefix comparison: no wildcard in a code widens it)."""
    lengths = sorted({len(path) for path, _ in regions.values()})
    return or_(
        *(
            func.substr(unit.path, 1, n).in_(sorted(path for path, _ in regions.values() if len(path) == n))
            for n in lengths
        )
    )


def _region_of(path: str, by_path: dict[str, int]) -> int | None:
    """The id of the region (``by_path``: region ids by path) whose path is a prefix of ``path``."""
    cut = len(path)
    while cut > 0:
        found = by_path.get(path[:cut])
        if found is not None:
            return found
        cut = path.rfind("/", 0, cut - 1) + 1
    return None
