"""Pulled values inside analytics: the cached value of a mapped indicator replaces what the SQL
aggregation of entered values would give, and its row carries ``n``, ``sample_ok`` and
``data_as_of``. Pulled values are per period (no year-to-date windows)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.formulas import EvalResult
from kpi_api.models import Indicator, SourceValue
from kpi_api.numbers import plain
from kpi_api.sources.repository import SourceRepository

NOT_PULLED = "not_pulled"


@dataclass
class PulledValues:
    """Cached values by ``(indicator_id, org_unit_id, period)`` for the mapped indicators asked about."""

    mapped: frozenset[int] = frozenset()
    rows: dict[tuple[int, int, str], SourceValue] = field(default_factory=dict)

    def is_pulled(self, indicator_id: int) -> bool:
        return indicator_id in self.mapped

    def get(self, indicator_id: int, unit_id: int, period: str, ytd: bool) -> SourceValue | None:
        return None if ytd else self.rows.get((indicator_id, unit_id, period))

    def fields(self, indicator_id: int, unit_id: int, period: str, ytd: bool) -> dict[str, Any]:
        """What an analytics row of a pulled indicator adds: counts, sample and data_as_of."""
        if indicator_id not in self.mapped:
            return {}
        found = self.get(indicator_id, unit_id, period, ytd)
        if found is None:
            return {}
        return {
            "numerator": plain(found.numerator),
            "denominator": plain(found.denominator),
            "n": found.n,
            "sample_ok": found.sample_ok,
            "dont_know": found.dont_know,
            "data_as_of": found.data_as_of,
        }

    def result(self, indicator_id: int, unit_id: int, period: str, ytd: bool) -> EvalResult:
        """The value of a pulled indicator, or None with why (``not_pulled``, ``no_responses``…)."""
        found = self.get(indicator_id, unit_id, period, ytd)
        if found is None:
            return EvalResult(None, NOT_PULLED)
        return EvalResult(found.value, None if found.value is not None else found.reason or NOT_PULLED)


async def load_pulled(
    session: AsyncSession, indicators: Iterable[Indicator], unit_ids: Sequence[int], periods: Sequence[str]
) -> PulledValues:
    """The cached values of the mapped indicators among ``indicators`` (one query)."""
    mapped = frozenset(i.id for i in indicators if i.source_metric is not None)
    if not mapped:
        return PulledValues()
    rows = await SourceRepository(session).cached(sorted(mapped), unit_ids, periods)
    return PulledValues(mapped, {(r.indicator_id, r.org_unit_id, r.period): r for r in rows})
