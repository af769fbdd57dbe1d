"""The target-setting helper: current + 25 % of the gap to the long-term level (the inverse direction
for lower-is-better figures), with the rule shared with survey-api (:mod:`zdrav_shared.targets`).

Where the long-term level comes from: ``long_term`` in the query when given; else the indicator's
target for the org unit furthest ahead (the latest year, not before the period's year) — a
programme's final-year target, or the NSI model's long-term landmarks (90 %, 30 NPS) that the demo and
the ministries record as targets. When targets gain a ``kind`` (``long_term``), a target of that kind
is the one to prefer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.analytics.service import AnalyticsQuery, AnalyticsService
from kpi_api.indicators.rules import Direction
from kpi_api.indicators.service import IndicatorService
from kpi_api.models import Target
from kpi_api.numbers import plain, present
from kpi_api.org_units.errors import OrgUnitNotFound
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.suggested_targets.schemas import SuggestedTarget
from zdrav_shared.auth import Principal
from zdrav_shared.periods import InvalidPeriod, Period
from zdrav_shared.problems import Unprocessable
from zdrav_shared.targets import TARGET_GAP_SHARE, suggested_target

RULE_RU = "текущий уровень плюс 25 % разницы между долгосрочным ориентиром и текущим уровнем"


class SuggestedTargetService:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock

    async def suggest(
        self, principal: Principal, code: str, org_unit: str, period_text: str, long_term: Decimal | None
    ) -> SuggestedTarget:
        indicator = await IndicatorService(self.session).get(code)
        try:
            period = Period.parse(period_text)
        except (InvalidPeriod, ValueError) as exc:
            raise Unprocessable(str(exc), pointer="/query/period") from exc
        unit = await OrgUnitRepository(self.session).get(org_unit)
        if unit is None:
            raise Unprocessable(str(OrgUnitNotFound(org_unit)), pointer="/query/org_unit")
        answer = await AnalyticsService(self.session, self.clock).run(
            principal, AnalyticsQuery(indicators=[code], org_units=[org_unit], periods=[period])
        )
        row = answer.rows[0]
        source = "query" if long_term is not None else None
        if long_term is None:
            found = await self._furthest_target(indicator.id, unit.id, period.year)
            if found is not None:
                long_term, source = found[1], f"target:{found[0]}"
        if long_term is None:
            raise Unprocessable(
                f"no long-term level for {code} at {org_unit}: give long_term, or set a target for "
                f"{period.year} or a later year",
                pointer="/query/long_term",
            )
        direction = Direction(indicator.direction)
        exact = suggested_target(row.value, long_term, lower_is_better=direction is Direction.LOWER_IS_BETTER)
        return SuggestedTarget(
            indicator_code=code,
            org_unit_code=org_unit,
            period=period.code,
            direction=direction,
            current=row.value,
            current_reason=row.reason if row.value is None else None,
            long_term=plain(long_term),
            long_term_source=source,
            gap_share=TARGET_GAP_SHARE,
            suggested_target=present(exact, indicator.precision),
            suggested_target_exact=plain(exact),
            rule_ru=RULE_RU,
        )

    async def _furthest_target(self, indicator_id: int, unit_id: int, year: int) -> tuple[str, Decimal] | None:
        result = await self.session.execute(
            select(Target.period, Target.target)
            .where(
                Target.indicator_id == indicator_id,
                Target.org_unit_id == unit_id,
                Target.year >= year,
                Target.target.is_not(None),
            )
            .order_by(Target.year.desc(), Target.period.desc())
            .limit(1)
        )
        found = result.first()
        if found is None or found[1] is None:
            return None
        return found[0], found[1]
