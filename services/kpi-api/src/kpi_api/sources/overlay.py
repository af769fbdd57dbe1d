"""Pulled values inside analytics: the cached value of a mapped indicator replaces what the SQL
aggregation of entered values would give, and its row carries ``n``, ``sample_ok`` and
``data_as_of``. Pulled values are per period (no year-to-date windows).

The built-in population inputs are served the same way from the org units' population figures
(:mod:`kpi_api.population.overlay`): a stock as of the period's end, year to date or not."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.formulas import EvalResult
from kpi_api.models import Indicator, SourceValue
from kpi_api.numbers import plain
from kpi_api.org_units.filters import NOT_APPLICABLE, UnitFilter
from kpi_api.population.overlay import Stock, load_population
from kpi_api.sources.repository import SourceRepository

NOT_PULLED = "not_pulled"
NO_POPULATION = "no_population_figure"


@dataclass
class PulledValues:
    """Cached values by ``(indicator_id, org_unit_id, period)`` for the mapped indicators asked about."""

    mapped: frozenset[int] = frozenset()
    rows: dict[tuple[int, int, str], SourceValue] = field(default_factory=dict)
    population: frozenset[int] = frozenset()
    stocks: dict[tuple[int, int, str], Stock] = field(default_factory=dict)
    # A peer's figure covers a whole subtree: under a kind/subordination filter it has no value.
    filtered: bool = False

    def is_pulled(self, indicator_id: int) -> bool:
        return indicator_id in self.mapped or indicator_id in self.population

    def get(self, indicator_id: int, unit_id: int, period: str, ytd: bool) -> SourceValue | None:
        return None if ytd else self.rows.get((indicator_id, unit_id, period))

    def fields(self, indicator_id: int, unit_id: int, period: str, ytd: bool) -> dict[str, Any]:
        """What an analytics row of a pulled indicator adds: counts, sample and data_as_of (population:
        ``n`` = the org units whose figures were summed)."""
        if indicator_id in self.population:
            stock = self.stocks.get((indicator_id, unit_id, period))
            return {"n": stock.units} if stock else {}
        if indicator_id not in self.mapped or self.filtered:
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
        if indicator_id in self.population:
            stock = self.stocks.get((indicator_id, unit_id, period))
            if stock is None or stock.value is None:
                return EvalResult(None, NO_POPULATION)
            return EvalResult(stock.value, None)
        if self.filtered:
            return EvalResult(None, NOT_APPLICABLE)
        found = self.get(indicator_id, unit_id, period, ytd)
        if found is None:
            return EvalResult(None, NOT_PULLED)
        return EvalResult(found.value, None if found.value is not None else found.reason or NOT_PULLED)


async def load_pulled(
    session: AsyncSession,
    indicators: Iterable[Indicator],
    unit_ids: Sequence[int],
    periods: Sequence[str],
    unit_filter: UnitFilter | None = None,
) -> PulledValues:
    """The cached values of the mapped indicators among ``indicators`` (one query), and the
    population inputs' figures."""
    indicators = list(indicators)
    population, stocks = await load_population(session, indicators, unit_ids, periods, unit_filter)
    mapped = frozenset(i.id for i in indicators if i.source_metric is not None)
    filtered = bool(unit_filter)
    if not mapped:
        return PulledValues(population=population, stocks=stocks, filtered=filtered)
    rows = await SourceRepository(session).cached(sorted(mapped), unit_ids, periods)
    return PulledValues(
        mapped, {(r.indicator_id, r.org_unit_id, r.period): r for r in rows}, population, stocks, filtered
    )
