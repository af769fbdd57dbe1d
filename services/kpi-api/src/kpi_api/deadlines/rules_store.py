"""The deadline rule in force per periodicity: the defaults of ``reporting_calendar`` unless overridden."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.deadlines.repository import DeadlineRepository
from kpi_api.reporting_calendar import DEFAULT_RULES, DeadlineRule
from zdrav_shared.periods import PeriodType

DEFAULT_TIMEZONE = "Europe/Moscow"


async def rules_in_force(session: AsyncSession) -> dict[PeriodType, DeadlineRule]:
    rules = dict(DEFAULT_RULES)
    for periodicity, row in (await DeadlineRepository(session).overrides()).items():
        rules[PeriodType(periodicity)] = DeadlineRule(
            day_of_month=row.day_of_month,
            months_after=row.months_after,
            working_days=row.working_days,
            roll_forward=row.roll_forward,
        )
    return rules
