"""Alerts of a programme: each control indicator whose annual figure misses its annual target.

The figure and its judgement are analytics' own (the region's roll-up of submitted and approved values
for the year, against the year's target or range), so an alert never disagrees with the analytics row.
A control indicator without an annual target or without a value raises nothing: there is nothing to
judge yet (completeness tells who has not reported).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.alerts.schemas import AlertRead, AlertsAnswer
from kpi_api.analytics.service import AnalyticsQuery, AnalyticsService
from kpi_api.indicators.definition import applies_to_region
from kpi_api.models import Indicator
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.targets.rules import Status
from zdrav_shared.auth import Principal
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.periods import parse_period
from zdrav_shared.problems import Forbidden, Unprocessable

NOT_AN_ALERT = frozenset({Status.ACHIEVED, Status.NO_TARGET, Status.NO_DATA})


class AlertService:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    async def for_region(self, principal: Principal, region: str, year: int) -> AlertsAnswer:
        unit = await OrgUnitRepository(self.session).get(region)
        if unit is None or unit.level != OrgUnitLevel.REGION:
            raise Unprocessable(f"{region} is not a region", pointer="/query/region")
        if not principal.covers([c for c in unit.path.split("/") if c]):
            raise Forbidden(f"region {region} is outside your scope")
        result = await self.session.execute(
            select(Indicator).where(Indicator.control.is_(True), Indicator.active.is_(True)).order_by(Indicator.code)
        )
        controls = [i for i in result.scalars() if applies_to_region(i, region)]
        names = {i.code: i.name_ru for i in controls}
        if not controls:
            return AlertsAnswer(region=region, year=year, control_indicators=0, alerts=[])
        query = AnalyticsQuery(indicators=list(names), org_units=[region], periods=[parse_period(str(year))])
        rows = (await AnalyticsService(self.session, self.clock).run(principal, query)).rows
        alerts = [
            AlertRead(
                indicator_code=row.indicator_code,
                name_ru=names[row.indicator_code],
                org_unit_code=row.org_unit_code,
                year=year,
                value=row.value,
                target=row.target,
                target_low=row.target_low,
                target_high=row.target_high,
                deviation=row.deviation,
                deviation_pct=row.deviation_pct,
                status=row.status,
                reason=row.status_reason or "",
            )
            for row in rows
            if row.status is not None and row.status not in NOT_AN_ALERT
        ]
        judged = sum(1 for row in rows if row.status is not Status.NO_TARGET)
        return AlertsAnswer(region=region, year=year, control_indicators=judged, alerts=alerts)
