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
        if not region_ids:
            return {}
        region, unit = aliased(OrgUnit), aliased(OrgUnit)
        query = (
            select(region.id, unit.level, func.count(unit.id))
            .join(unit, _inside(unit, region))
            .where(region.id.in_(sorted(set(region_ids))), unit.active)
            .group_by(region.id, unit.level)
        )
        found: dict[int, dict[str, int]] = {}
        for region_id, level, count in (await self.session.execute(query)).all():
            found.setdefault(region_id, {})[level] = int(count)
        return found

    async def reports(
        self, indicator_ids: Sequence[int], region_ids: Sequence[int], period: str
    ) -> dict[int, ReportCounts]:
        """Received (submitted or approved), approved, late and draft values per region, of active units at
        each indicator's reporting level (organisations without one), a region's own indicators only there."""
        if not indicator_ids or not region_ids:
            return {}
        region, unit, v, i = aliased(OrgUnit), aliased(OrgUnit), IndicatorValue, Indicator
        received = v.status.in_(RECEIVED)
        query = (
            select(
                region.id,
                _count(received),
                _count(and_(received, v.late.is_(True))),
                _count(v.status == "draft"),
                _count(v.status == ValueStatus.APPROVED.value),
            )
            .select_from(v)
            .join(i, i.id == v.indicator_id)
            .join(unit, unit.id == v.org_unit_id)
            .join(region, _inside(unit, region))
            .where(
                v.indicator_id.in_(sorted(set(indicator_ids))),
                v.period == period,
                region.id.in_(sorted(set(region_ids))),
                unit.level == func.coalesce(i.reporting_level, DEFAULT_EXPECTED_LEVEL.value),
                or_(i.owner == FEDERATION_CODE, i.owner == region.code),
                unit.active,
            )
            .group_by(region.id)
        )
        rows = (await self.session.execute(query)).all()
        return {r: ReportCounts(int(a), int(b), int(c), int(d)) for r, a, b, c, d in rows}


def _inside(unit: Any, region: Any) -> ColumnElement[bool]:
    # A prefix comparison rather than LIKE: no wildcard in a code can widen the match.
    same: ColumnElement[bool] = func.substr(unit.path, 1, func.length(region.path)) == region.path
    return same
