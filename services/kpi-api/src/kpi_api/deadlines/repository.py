"""All SQL of reporting deadlines and completeness."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import DeadlineRuleSetting, Indicator, IndicatorValue, OrgUnit


class DeadlineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def overrides(self) -> dict[str, DeadlineRuleSetting]:
        result = await self.session.execute(select(DeadlineRuleSetting))
        return {r.periodicity: r for r in result.scalars()}

    async def get(self, periodicity: str) -> DeadlineRuleSetting | None:
        return await self.session.get(DeadlineRuleSetting, periodicity)

    def add(self, row: DeadlineRuleSetting) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def organisations_under(self, path: str) -> list[OrgUnit]:
        """Active organisations in a subtree: the units expected to report."""
        result = await self.session.execute(
            select(OrgUnit)
            .where(OrgUnit.path.startswith(path, autoescape=True), OrgUnit.level == "organisation", OrgUnit.active)
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
