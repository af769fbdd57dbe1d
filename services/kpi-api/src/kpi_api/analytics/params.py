"""Query parameters of analytics: comma-separated lists, checked into a typed query (422 with pointers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from kpi_api.analytics.schemas import DataFilter
from kpi_api.analytics.service import AnalyticsQuery
from kpi_api.codes import TEXT
from kpi_api.org_units.filters import UnitFilter
from kpi_api.population.rules import Subordination
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.periods import MIN_YEAR, InvalidPeriod, Period
from zdrav_shared.problems import Unprocessable

MAX_INDICATORS = 100
MAX_UNITS = 500
MAX_PERIODS = 36


def _split(text: str | None, name: str, limit: int) -> list[str]:
    items = [p.strip() for p in (text or "").split(",") if p.strip()]
    if len(items) > limit:
        raise Unprocessable(f"at most {limit} {name} per request", pointer=f"/query/{name}")
    return list(dict.fromkeys(items))


def analytics_query(
    indicators: Annotated[str, Query(max_length=10_000, description="Indicator codes, comma-separated")],
    periods: Annotated[str, Query(max_length=2_000, description="Periods, comma-separated: 2025, 2025Q2, 2025-04")],
    org_units: Annotated[str | None, Query(max_length=40_000, description="Org-unit codes, comma-separated")] = None,
    parent: Annotated[str | None, Query(max_length=64, description="Report on the units under this one")] = None,
    level: Annotated[OrgUnitLevel | None, Query(description="With parent: the units of this level below it")] = None,
    ytd: Annotated[bool, Query(description="Year to date: from January up to and including each period")] = False,
    previous: Annotated[bool, Query(description="Add the value of the previous period to each row")] = False,
    data: Annotated[
        DataFilter,
        Query(
            description="Values read: submitted (submitted and approved, default), approved, or all (drafts too: "
            "only for users of the region asked about)"
        ),
    ] = DataFilter.SUBMITTED,
    kind: Annotated[
        str | None,
        Query(max_length=1_000, pattern=TEXT, description="Roll up only org units of these kinds, comma-separated"),
    ] = None,
    subordination: Annotated[
        str | None, Query(max_length=200, description="Roll up only org units of this subordination: regional, …")
    ] = None,
) -> AnalyticsQuery:
    """FastAPI dependency: the analytics query, or a 422 pointing at the bad parameter."""
    codes = _split(indicators, "indicators", MAX_INDICATORS)
    if not codes:
        raise Unprocessable("name at least one indicator", pointer="/query/indicators")
    parsed: list[Period] = []
    for text in _split(periods, "periods", MAX_PERIODS):
        try:
            period = Period.parse(text)
        except InvalidPeriod as exc:
            raise Unprocessable(str(exc), pointer="/query/periods") from exc
        if period.year < MIN_YEAR + 2:
            # prev() and the previous-period column reach two years back.
            raise Unprocessable(f"analytics start in {MIN_YEAR + 2}", pointer="/query/periods")
        parsed.append(period)
    if not parsed:
        raise Unprocessable("name at least one period", pointer="/query/periods")
    subordinations = _split(subordination, "subordination", len(Subordination))
    unknown = [s for s in subordinations if s not in set(Subordination)]
    if unknown:
        allowed = ", ".join(Subordination)
        raise Unprocessable(f"unknown subordination {unknown[0]} (one of {allowed})", pointer="/query/subordination")
    unit_filter = UnitFilter(tuple(_split(kind, "kind", 20)), tuple(subordinations))
    return AnalyticsQuery(
        indicators=codes,
        org_units=_split(org_units, "org_units", MAX_UNITS),
        periods=parsed,
        ytd=ytd,
        previous=previous,
        parent=parent,
        level=level,
        data=data,
        unit_filter=unit_filter or None,
    )
