"""All SQL of targets and baselines."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import OrgUnit, Target


class TargetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def existing(self, indicator_id: int, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], Target]:
        """Targets of one indicator by ``(org_unit_id, period)``."""
        if not keys:
            return {}
        result = await self.session.execute(
            select(Target).where(
                Target.indicator_id == indicator_id,
                Target.org_unit_id.in_(sorted({unit for unit, _ in keys})),
                Target.period.in_(sorted({period for _, period in keys})),
            )
        )
        wanted = set(keys)
        return {(t.org_unit_id, t.period): t for t in result.scalars() if (t.org_unit_id, t.period) in wanted}

    async def list_for(
        self,
        indicator_id: int,
        *,
        scope: ColumnElement[bool] | None,
        org_unit_id: int | None = None,
        year: int | None = None,
        limit: int = 5000,
    ) -> list[tuple[Target, str]]:
        """Targets of one indicator with their org unit's code, inside the caller's scope."""
        query = (
            select(Target, OrgUnit.code)
            .join(OrgUnit, OrgUnit.id == Target.org_unit_id)
            .where(Target.indicator_id == indicator_id)
        )
        if scope is not None:
            query = query.where(scope)
        if org_unit_id is not None:
            query = query.where(Target.org_unit_id == org_unit_id)
        if year is not None:
            query = query.where(Target.year == year)
        result = await self.session.execute(query.order_by(OrgUnit.code, Target.period).limit(limit))
        return [(t, code) for t, code in result.all()]

    async def for_rows(
        self, indicator_ids: Sequence[int], org_unit_ids: Sequence[int], periods: Sequence[str]
    ) -> dict[tuple[int, int, str], Target]:
        """Targets by ``(indicator_id, org_unit_id, period)`` for analytics (a handful of keys)."""
        if not indicator_ids or not org_unit_ids or not periods:
            return {}
        result = await self.session.execute(
            select(Target).where(
                and_(
                    Target.indicator_id.in_(sorted(set(indicator_ids))),
                    Target.org_unit_id.in_(sorted(set(org_unit_ids))),
                    Target.period.in_(sorted(set(periods))),
                )
            )
        )
        return {(t.indicator_id, t.org_unit_id, t.period): t for t in result.scalars()}

    async def ids_of_indicator(self, indicator_id: int, scope: ColumnElement[bool] | None) -> list[int]:
        query = select(Target.id).join(OrgUnit, OrgUnit.id == Target.org_unit_id)
        query = query.where(Target.indicator_id == indicator_id)
        if scope is not None:
            query = query.where(scope)
        return list((await self.session.execute(query)).scalars())

    def add(self, target: Target) -> None:
        self.session.add(target)

    async def flush(self) -> None:
        await self.session.flush()
