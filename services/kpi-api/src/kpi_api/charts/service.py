"""The figures a chart draws, read through analytics (the same numbers, scope and 403s as
``GET /v1/analytics``), plus the Russian names the labels need. No figure is computed here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.analytics.schemas import AnalyticsRow, DataFilter
from kpi_api.analytics.service import AnalyticsQuery, AnalyticsService
from kpi_api.charts.schemas import LeagueChart, LeagueRow, TrendChart, TrendPoint
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.rules import Direction
from kpi_api.org_units.repository import OrgUnitRepository
from zdrav_shared import charts
from zdrav_shared.auth import Principal
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.periods import Period
from zdrav_shared.problems import Unprocessable

MAX_LEAGUE_ROWS = 300
"""A bar per unit: past this the picture is unreadable (and matplotlib's canvas too tall)."""


class ChartService:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.analytics = AnalyticsService(session, clock)

    async def _names(self, indicator: str, units: list[str]) -> tuple[str, Direction, dict[str, str]]:
        found = await IndicatorRepository(self.session).get(indicator)
        # Analytics has already answered for this indicator, so it exists.
        assert found is not None
        names = {code: unit.name_ru for code, unit in (await OrgUnitRepository(self.session).get_many(units)).items()}
        return found.name_ru, Direction(found.direction), names

    async def trend(
        self, caller: Principal, indicator: str, org_unit: str, periods: list[Period], data: DataFilter
    ) -> TrendChart:
        """One org unit's values of one indicator over ``periods``, with targets and statuses."""
        query = AnalyticsQuery(indicators=[indicator], org_units=[org_unit], periods=periods, data=data)
        answer = await self.analytics.run(caller, query)
        by_period = {row.period: row for row in answer.rows}
        rows = [by_period.get(p.code) for p in periods]
        name, _, units = await self._names(indicator, [org_unit])
        unit = answer.rows[0].unit if answer.rows else ""
        return TrendChart(
            indicator_code=indicator,
            org_unit_code=org_unit,
            title=f"{name} — {units.get(org_unit, org_unit)}",
            unit=unit,
            points=[_point(p, row) for p, row in zip(periods, rows, strict=True)],
        )

    async def league(
        self,
        caller: Principal,
        indicator: str,
        parent: str,
        period: Period,
        level: OrgUnitLevel | None,
        data: DataFilter,
    ) -> LeagueChart:
        """The units below ``parent`` (its children, or those of ``level``) ranked best first. A regional
        caller asking under the federation sees its own region only, as analytics does."""
        query = AnalyticsQuery(
            indicators=[indicator], org_units=[], periods=[period], parent=parent, level=level, data=data
        )
        answer = await self.analytics.run(caller, query)
        if len(answer.rows) > MAX_LEAGUE_ROWS:
            raise Unprocessable(
                f"{len(answer.rows)} units to rank, at most {MAX_LEAGUE_ROWS}: choose a narrower parent or level",
                pointer="/query/parent",
            )
        name, direction, units = await self._names(indicator, [r.org_unit_code for r in answer.rows] + [parent])
        ranked = rank(answer.rows, direction)
        return LeagueChart(
            indicator_code=indicator,
            parent=parent,
            period=period.code,
            title=f"{name} — {units.get(parent, parent)}, {period.code}",
            unit=answer.rows[0].unit if answer.rows else "",
            rows=[
                LeagueRow(
                    org_unit_code=r.org_unit_code,
                    name_ru=units.get(r.org_unit_code, r.org_unit_code),
                    value=r.value,
                    target=r.target,
                    status=r.status,
                )
                for r in ranked
            ],
        )


def _point(period: Period, row: AnalyticsRow | None) -> TrendPoint:
    if row is None:
        return TrendPoint(period=period.code)
    return TrendPoint(
        period=period.code,
        value=row.value,
        target=row.target,
        target_low=row.target_low,
        target_high=row.target_high,
        status=row.status,
    )


def rank(rows: list[AnalyticsRow], direction: Direction) -> list[AnalyticsRow]:
    """Best first by the indicator's direction; units without a value last, by code."""
    valued = [r for r in rows if r.value is not None]
    empty = sorted((r for r in rows if r.value is None), key=lambda r: r.org_unit_code)
    sign = -1 if direction is Direction.HIGHER_IS_BETTER else 1
    valued.sort(key=lambda r: (sign * (r.value or 0), r.org_unit_code))
    return valued + empty


async def render_trend(chart: TrendChart, fmt: charts.ChartFormat) -> bytes:
    """The trend image of exactly the points in ``chart``."""
    points = [charts.TrendPoint(p.period, p.value, p.target, p.target_low, p.target_high) for p in chart.points]
    return await charts.render_trend(chart.title, chart.unit, points, fmt)


async def render_league(chart: LeagueChart, fmt: charts.ChartFormat) -> bytes:
    """The league image of exactly the rows in ``chart``."""
    rows = [
        charts.LeagueRow(r.name_ru, r.value, r.status.value if r.status else _no_status(r.value)) for r in chart.rows
    ]
    return await charts.render_league(chart.title, chart.unit, rows, fmt)


def _no_status(value: object) -> str:
    """The colour of a row without a status: no data when it has no value, no target otherwise."""
    return "no_data" if value is None else "no_target"
