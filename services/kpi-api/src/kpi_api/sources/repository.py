"""All SQL of pulled values: the mapped indicators, the org units a refresh covers, and the cache."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import Indicator, OrgUnit, SourceValue, Target
from kpi_api.scope import Scope
from kpi_api.sources.rules import Figure


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: int
    code: str
    level: str
    path: str


class SourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mapped_indicators(self) -> list[Indicator]:
        """Active indicators that take a peer figure (``source_metric`` set), by code."""
        result = await self.session.execute(
            select(Indicator).where(Indicator.source_metric.is_not(None), Indicator.active).order_by(Indicator.code)
        )
        return list(result.scalars())

    async def target_years(self) -> list[int]:
        """Years in which the pulled indicators have targets."""
        result = await self.session.execute(
            select(Target.year)
            .join(Indicator, Indicator.id == Target.indicator_id)
            .where(Indicator.source_metric.is_not(None), Indicator.active)
            .distinct()
        )
        return sorted(int(y) for y in result.scalars())

    async def units(self, under_path: str | None, scope: Scope) -> list[UnitRef]:
        """Active org units of a subtree (or every one), limited to the caller's scope, ordered by path."""
        query = select(OrgUnit.id, OrgUnit.code, OrgUnit.level, OrgUnit.path).where(OrgUnit.active)
        if under_path is not None:
            query = query.where(OrgUnit.path.startswith(under_path, autoescape=True))
        limit = scope.clause(OrgUnit.path)
        if limit is not None:
            query = query.where(limit)
        result = await self.session.execute(query.order_by(OrgUnit.path))
        return [UnitRef(i, c, lv, p) for i, c, lv, p in result.all()]

    async def store(self, figures: dict[tuple[int, int, str], Figure], data_as_of: datetime) -> int:
        """Insert or overwrite the cached values ``{(indicator_id, org_unit_id, period): figure}``."""
        if not figures:
            return 0
        keys = list(figures)
        existing: dict[tuple[int, int, str], SourceValue] = {}
        for chunk in _chunks(keys, 500):
            result = await self.session.execute(
                select(SourceValue).where(
                    SourceValue.indicator_id.in_({k[0] for k in chunk}),
                    SourceValue.org_unit_id.in_({k[1] for k in chunk}),
                    SourceValue.period.in_({k[2] for k in chunk}),
                )
            )
            existing.update({(r.indicator_id, r.org_unit_id, r.period): r for r in result.scalars()})
        for key, figure in figures.items():
            row = existing.get(key)
            if row is None:
                row = SourceValue(indicator_id=key[0], org_unit_id=key[1], period=key[2])
                self.session.add(row)
            row.value, row.numerator, row.denominator = figure.value, figure.numerator, figure.denominator
            row.n, row.sample_ok, row.reason, row.data_as_of = figure.n, figure.sample_ok, figure.reason, data_as_of
            row.dont_know = figure.dont_know
        await self.session.flush()
        return len(figures)

    async def cached(
        self, indicator_ids: Sequence[int], unit_ids: Sequence[int], periods: Sequence[str]
    ) -> list[SourceValue]:
        """Cached values of those indicators, org units and periods (one indexed query)."""
        if not indicator_ids or not unit_ids or not periods:
            return []
        result = await self.session.execute(
            select(SourceValue).where(
                SourceValue.indicator_id.in_(sorted(set(indicator_ids))),
                SourceValue.org_unit_id.in_(sorted(set(unit_ids))),
                SourceValue.period.in_(sorted(set(periods))),
            )
        )
        return list(result.scalars())


def _chunks(items: Sequence[tuple[int, int, str]], size: int) -> Iterable[Sequence[tuple[int, int, str]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
