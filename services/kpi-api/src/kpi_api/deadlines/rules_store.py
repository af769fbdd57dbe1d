"""The deadline rule in force per periodicity and region.

A region's own rule (owner = the region) wins for its org units; else the national override (owner
``RU``); else the default of ``reporting_calendar``. Rules are a handful of rows: one query reads them
all, and a request picks each unit's region from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.deadlines.repository import DeadlineRepository
from kpi_api.models import DeadlineRuleSetting
from kpi_api.reporting_calendar import DEFAULT_RULES, DeadlineRule
from zdrav_shared.auth import FEDERATION_CODE
from zdrav_shared.periods import PeriodType

DEFAULT_TIMEZONE = "Europe/Moscow"

Rules = dict[PeriodType, DeadlineRule]


def rule_of(row: DeadlineRuleSetting) -> DeadlineRule:
    return DeadlineRule(
        day_of_month=row.day_of_month,
        months_after=row.months_after,
        working_days=row.working_days,
        roll_forward=row.roll_forward,
    )


@dataclass(frozen=True)
class DeadlineBook:
    """The active rules by owner: ``owners[RU]`` overrides the defaults, ``owners[region]`` the nation's."""

    owners: dict[str, Rules] = field(default_factory=dict)

    def national(self) -> Rules:
        return {**DEFAULT_RULES, **self.owners.get(FEDERATION_CODE, {})}

    def for_region(self, region_code: str | None) -> Rules:
        """The rules an org unit of ``region_code`` is judged by (the national ones without a region)."""
        rules = self.national()
        if region_code is not None and region_code != FEDERATION_CODE:
            rules.update(self.owners.get(region_code, {}))
        return rules

    def owner_of(self, region_code: str | None, period_type: PeriodType) -> str | None:
        """Who set the rule in force (None: the built-in default)."""
        if region_code is not None and period_type in self.owners.get(region_code, {}):
            return region_code
        if period_type in self.owners.get(FEDERATION_CODE, {}):
            return FEDERATION_CODE
        return None


async def deadline_book(session: AsyncSession) -> DeadlineBook:
    owners: dict[str, Rules] = {}
    for row in await DeadlineRepository(session).overrides():
        owners.setdefault(row.owner, {})[PeriodType(row.periodicity)] = rule_of(row)
    return DeadlineBook(owners)


async def rules_in_force(session: AsyncSession, region_code: str | None = None) -> Rules:
    """The rules org units of ``region_code`` report by (national ones when None)."""
    return (await deadline_book(session)).for_region(region_code)
