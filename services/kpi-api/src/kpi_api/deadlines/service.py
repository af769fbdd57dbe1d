"""Deadline rules in force and the completeness and timeliness of a region's reports for a period."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.deadlines.repository import DeadlineRepository
from kpi_api.deadlines.rules_store import DEFAULT_TIMEZONE, rules_in_force
from kpi_api.deadlines.schemas import Completeness, DeadlineRuleBody, DeadlineRuleRead, MissingReport
from kpi_api.indicators.rules import Periodicity
from kpi_api.models import DeadlineRuleSetting
from kpi_api.org_units.rules import path_codes
from kpi_api.org_units.service import OrgUnitService
from kpi_api.reporting_calendar import DEFAULT_RULES, deadline_for, deadline_instant
from kpi_api.values.schemas import ValueStatus
from zdrav_shared.auth import Principal, Role, require_role, require_scope
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import Period
from zdrav_shared.problems import Unprocessable

log = get_logger(__name__)

MAX_MISSING = 2000
DEADLINE_SETTERS = (Role.FEDERAL,)
"""Deadlines are national: only ``federal`` changes them."""


class DeadlineService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = DeadlineRepository(session)

    async def rules(self) -> list[DeadlineRuleRead]:
        rules = await rules_in_force(self.session)
        return [
            DeadlineRuleRead(
                periodicity=p,
                day_of_month=rules[p.period_type].day_of_month,
                months_after=rules[p.period_type].months_after,
                working_days=rules[p.period_type].working_days,
                roll_forward=rules[p.period_type].roll_forward,
                description=rules[p.period_type].describe(),
                is_default=rules[p.period_type] == DEFAULT_RULES[p.period_type],
            )
            for p in Periodicity
        ]

    async def set_rule(self, principal: Principal, periodicity: Periodicity, body: DeadlineRuleBody) -> None:
        """Deadlines are national: only ``federal`` changes them."""
        require_role(principal, *DEADLINE_SETTERS)
        row = await self.repo.get(periodicity.value)
        if row is None:
            row = DeadlineRuleSetting(periodicity=periodicity.value)
            self.repo.add(row)
        row.day_of_month, row.months_after = body.day_of_month, body.months_after
        row.working_days, row.roll_forward = body.working_days, body.roll_forward
        row.updated_by = principal.sub
        await self.repo.flush()
        log.info("deadline_rule_set", periodicity=periodicity.value, by=principal.sub)

    async def completeness(self, principal: Principal, region_code: str, period_text: str) -> Completeness:
        try:
            period = Period.parse(period_text)
        except ValueError as exc:
            raise Unprocessable(str(exc), pointer="/query/period") from exc
        units = OrgUnitService(self.session)
        region = await units.repo.get(region_code)
        if region is None:
            raise Unprocessable(f"unknown org unit {region_code}", pointer="/query/region")
        resolved = await units.resolve(region_code)
        require_scope(principal, path_codes(region.path), region.code)
        timezone = resolved.timezone or DEFAULT_TIMEZONE
        rule = (await rules_in_force(self.session))[period.type]
        organisations = await self.repo.organisations_under(region.path)
        indicators = [i for i in await self.repo.input_indicators(period.type.value) if i.source == "manual"]
        reports = {
            (i, u): (s, late)
            for i, u, s, late in await self.repo.reports([i.id for i in indicators], region.path, period.code)
        }
        received = on_time = late_count = drafts = 0
        missing: list[MissingReport] = []
        for unit in organisations:
            for indicator in indicators:
                status, late = reports.get((indicator.id, unit.id), (None, None))
                if status in (ValueStatus.SUBMITTED, ValueStatus.APPROVED):
                    received += 1
                    if late:
                        late_count += 1
                    else:
                        on_time += 1
                    continue
                drafts += status == ValueStatus.DRAFT
                missing.append(
                    MissingReport(org_unit_code=unit.code, indicator_code=indicator.code, status=status or "missing")
                )
        expected = len(organisations) * len(indicators)
        return Completeness(
            region_code=region.code,
            period=period.code,
            timezone=timezone,
            deadline=deadline_for(period, rule),
            deadline_at=deadline_instant(period, rule, timezone),
            organisations=len(organisations),
            indicators=len(indicators),
            expected=expected,
            received=received,
            on_time=on_time,
            late=late_count,
            drafts=drafts,
            completeness_pct=_pct(received, expected),
            timeliness_pct=_pct(on_time, expected),
            missing=missing[:MAX_MISSING],
            missing_truncated=len(missing) > MAX_MISSING,
        )


def _pct(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))
