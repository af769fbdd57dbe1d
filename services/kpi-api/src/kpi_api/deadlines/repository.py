"""All SQL of reporting deadlines and completeness."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import DeadlineRuleSetting, Indicator, IndicatorValue, OrgUnit


class DeadlineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def overrides(self) -> list[DeadlineRuleSetting]:
        """Every active rule of every owner (a few rows)."""
        result = await self.session.execute(
            select(DeadlineRuleSetting)
            .where(DeadlineRuleSetting.active)
            .order_by(DeadlineRuleSetting.owner, DeadlineRuleSetting.periodicity)
        )
        return list(result.scalars())

    async def get(self, owner: str, periodicity: str) -> DeadlineRuleSetting | None:
        """The owner's rule of a periodicity, active or removed."""
        result = await self.session.execute(
            select(DeadlineRuleSetting).where(
                DeadlineRuleSetting.owner == owner, DeadlineRuleSetting.periodicity == periodicity
            )
        )
        return result.scalar_one_or_none()

    async def ids_of(self, periodicity: str, owner: str | None) -> list[int]:
        """Rule ids of a periodicity (of one owner, or every owner) for their history."""
        query = select(DeadlineRuleSetting.id).where(DeadlineRuleSetting.periodicity == periodicity)
        if owner is not None:
            query = query.where(DeadlineRuleSetting.owner == owner)
        return list((await self.session.execute(query)).scalars())

    def add(self, row: DeadlineRuleSetting) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def units_under(self, path: str, levels: Sequence[str]) -> list[OrgUnit]:
        """Active org units of those levels in a subtree: the units expected to report."""
        if not levels:
            return []
        result = await self.session.execute(
            select(OrgUnit)
            .where(
                OrgUnit.path.startswith(path, autoescape=True),
                OrgUnit.level.in_(sorted(set(levels))),
                OrgUnit.active,
            )
            .order_by(OrgUnit.code)
        )
        return list(result.scalars())

    async def input_indicators(self, periodicity: str) -> list[Indicator]:
        result = await self.session.execute(
            select(Indicator)
            .where(Indicator.kind == "input", Indicator.periodicity == periodicity, Indicator.active)
            .order_by(Indicator.code)
        )
        return list(result.scalars())

    async def reports(
        self, indicator_ids: Sequence[int], path: str, period: str
    ) -> list[tuple[int, int, str, bool | None]]:
        """``(indicator_id, org_unit_id, status, late)`` of the values of ``period`` in a subtree."""
        if not indicator_ids:
            return []
        result = await self.session.execute(
            select(IndicatorValue.indicator_id, IndicatorValue.org_unit_id, IndicatorValue.status, IndicatorValue.late)
            .join(OrgUnit, OrgUnit.id == IndicatorValue.org_unit_id)
            .where(
                IndicatorValue.indicator_id.in_(sorted(set(indicator_ids))),
                IndicatorValue.period == period,
                OrgUnit.path.startswith(path, autoescape=True),
            )
        )
        return [(a, b, c, d) for a, b, c, d in result.all()]
