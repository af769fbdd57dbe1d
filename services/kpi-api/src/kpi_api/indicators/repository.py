"""All SQL of the indicator catalogue."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import Indicator, IndicatorFormulaVersion


class IndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> Indicator | None:
        result = await self.session.execute(select(Indicator).where(Indicator.code == code))
        return result.scalar_one_or_none()

    async def get_many(self, codes: Sequence[str]) -> dict[str, Indicator]:
        if not codes:
            return {}
        result = await self.session.execute(select(Indicator).where(Indicator.code.in_(sorted(set(codes)))))
        return {i.code: i for i in result.scalars()}

    async def catalogue(self) -> dict[str, Indicator]:
        """Every indicator by code: formulas are checked against the whole catalogue (hundreds of rows)."""
        result = await self.session.execute(select(Indicator))
        return {i.code: i for i in result.scalars()}

    async def list_indicators(
        self,
        *,
        limit: int,
        after_code: str | None = None,
        kind: str | None = None,
        source: str | None = None,
        periodicity: str | None = None,
        search: str | None = None,
    ) -> list[Indicator]:
        query = select(Indicator)
        if after_code is not None:
            query = query.where(Indicator.code > after_code)
        if kind is not None:
            query = query.where(Indicator.kind == kind)
        if source is not None:
            query = query.where(Indicator.source == source)
        if periodicity is not None:
            query = query.where(Indicator.periodicity == periodicity)
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(
                or_(func.lower(Indicator.name_ru).like(pattern), func.lower(Indicator.code).like(pattern))
            )
        result = await self.session.execute(query.order_by(Indicator.code).limit(limit))
        return list(result.scalars())

    async def formula_versions(self, indicator_ids: Sequence[int]) -> dict[int, list[IndicatorFormulaVersion]]:
        """Versions per indicator in creation order (``effective_version`` relies on that order)."""
        if not indicator_ids:
            return {}
        result = await self.session.execute(
            select(IndicatorFormulaVersion)
            .where(IndicatorFormulaVersion.indicator_id.in_(sorted(set(indicator_ids))))
            .order_by(IndicatorFormulaVersion.indicator_id, IndicatorFormulaVersion.id)
        )
        versions: dict[int, list[IndicatorFormulaVersion]] = {}
        for version in result.scalars():
            versions.setdefault(version.indicator_id, []).append(version)
        return versions

    def add(self, row: Indicator | IndicatorFormulaVersion) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
