"""All SQL of the quarterly report that analytics does not already cover: the regions in scope and
the completeness counts of every region in one GROUP BY each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kpi_api.models import Indicator, IndicatorValue, OrgUnit
from kpi_api.scope import Scope
from kpi_api.values.schemas import ValueStatus

RECEIVED = (ValueStatus.SUBMITTED.value, ValueStatus.APPROVED.value)


@dataclass(frozen=True, slots=True)
class ReportCounts:
    received: int
    late: int
    drafts: int


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

    async def organisations(self, region_ids: Sequence[int]) -> dict[int, int]:
        """Active organisations per region (the units expected to report)."""
        if not region_ids:
            return {}
        region, unit = aliased(OrgUnit), aliased(OrgUnit)
        query = (
            select(region.id, func.count(unit.id))
            .join(unit, _inside(unit, region))
            .where(region.id.in_(sorted(set(region_ids))), unit.level == "organisation", unit.active)
            .group_by(region.id)
        )
        return {r: int(n) for r, n in (await self.session.execute(query)).all()}

    async def reports(
        self, indicator_ids: Sequence[int], region_ids: Sequence[int], period: str
    ) -> dict[int, ReportCounts]:
        """Received (submitted or approved), late and draft values of active organisations per region."""
        if not indicator_ids or not region_ids:
            return {}
        region, unit, v = aliased(OrgUnit), aliased(OrgUnit), IndicatorValue
        received = v.status.in_(RECEIVED)
        query = (
            select(region.id, _count(received), _count(and_(received, v.late.is_(True))), _count(v.status == "draft"))
            .select_from(v)
            .join(unit, unit.id == v.org_unit_id)
            .join(region, _inside(unit, region))
            .where(
                v.indicator_id.in_(sorted(set(indicator_ids))),
                v.period == period,
                region.id.in_(sorted(set(region_ids))),
                unit.level == "organisation",
                unit.active,
            )
            .group_by(region.id)
        )
        return {r: ReportCounts(int(a), int(b), int(c)) for r, a, b, c in (await self.session.execute(query)).all()}


def _inside(unit: Any, region: Any) -> ColumnElement[bool]:
    # A prefix comparison rather than LIKE: no wildcard in a code can widen the match.
    same: ColumnElement[bool] = func.substr(unit.path, 1, func.length(region.path)) == region.path
    return same
