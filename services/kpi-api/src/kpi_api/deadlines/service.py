"""Deadline rules in force, their owners and history, and the completeness and timeliness of a
region's reports for a period.

Deadline rules are definitions with an owner: ``RU`` sets the national rule of a periodicity, a region
may set its own for its org units (``zdrav_shared.ownership``: only the owner's admins change a rule).
Every set and removal is audited and readable at ``GET /v1/deadline-rules/{periodicity}/history``.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.audit.schemas import definition_change
from kpi_api.deadlines.repository import DeadlineRepository
from kpi_api.deadlines.rules_store import DEFAULT_TIMEZONE, deadline_book
from kpi_api.deadlines.schemas import Completeness, DeadlineRuleBody, DeadlineRuleRead, MissingReport
from kpi_api.indicators.definition import applies_to_region, expected_level
from kpi_api.indicators.rules import Periodicity
from kpi_api.models import DeadlineRuleSetting
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.org_units.rules import path_codes
from kpi_api.org_units.service import OrgUnitService
from kpi_api.reporting_calendar import DEFAULT_RULES, deadline_for, deadline_instant
from kpi_api.values.schemas import ValueStatus
from zdrav_shared.auth import FEDERATION_CODE, Principal, Role, require_role, require_scope
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.ownership import DefinitionChange, default_owner, require_owner
from zdrav_shared.periods import Period
from zdrav_shared.problems import NotFound, Unprocessable

log = get_logger(__name__)

MAX_MISSING = 2000
ENTITY = "deadline_rule"
DEADLINE_SETTERS = (Role.FEDERAL, Role.REGIONAL_ADMIN)
"""The national rule is federal's, a region's own rule its regional_admin's (ownership decides which)."""


def _snapshot(row: DeadlineRuleSetting) -> dict[str, object]:
    return {
        "owner": row.owner,
        "periodicity": row.periodicity,
        "day_of_month": row.day_of_month,
        "months_after": row.months_after,
        "working_days": row.working_days,
        "roll_forward": row.roll_forward,
        "active": row.active,
    }


class DeadlineService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = DeadlineRepository(session)
        self.audit = AuditRepository(session)

    async def rules(self, region_code: str | None = None) -> list[DeadlineRuleRead]:
        """The rules in force for a region's org units (its own where set, else the national ones)."""
        if region_code is not None:
            unit = await OrgUnitRepository(self.session).get(region_code)
            if unit is None or unit.level != OrgUnitLevel.REGION:
                raise Unprocessable(f"{region_code} is not a region", pointer="/query/region")
        book = await deadline_book(self.session)
        rules = book.for_region(region_code)
        return [
            DeadlineRuleRead(
                periodicity=p,
                day_of_month=rules[p.period_type].day_of_month,
                months_after=rules[p.period_type].months_after,
                working_days=rules[p.period_type].working_days,
                roll_forward=rules[p.period_type].roll_forward,
                description=rules[p.period_type].describe(),
                is_default=rules[p.period_type] == DEFAULT_RULES[p.period_type],
                owner=book.owner_of(region_code, p.period_type),
            )
            for p in Periodicity
        ]

    async def _owner(self, principal: Principal, requested: str | None, periodicity: Periodicity) -> str:
        require_role(principal, *DEADLINE_SETTERS)
        if requested is not None:
            require_owner(principal, requested, f"the {periodicity.value}ly deadline rule of {requested}")
        owner = default_owner(principal, requested)
        if owner != FEDERATION_CODE:
            unit = await OrgUnitRepository(self.session).get(owner)
            if unit is None or unit.level != OrgUnitLevel.REGION:
                raise Unprocessable(
                    f"a deadline rule belongs to the federation (RU) or to a region: {owner} is neither",
                    pointer="/owner",
                )
        return owner

    async def set_rule(self, principal: Principal, periodicity: Periodicity, body: DeadlineRuleBody) -> str:
        """Create or change the owner's rule of a periodicity; returns the owner."""
        owner = await self._owner(principal, body.owner, periodicity)
        row = await self.repo.get(owner, periodicity.value)
        before = _snapshot(row) if row is not None and row.active else None
        if row is None:
            row = DeadlineRuleSetting(owner=owner, periodicity=periodicity.value, version=0)
            self.repo.add(row)
        row.day_of_month, row.months_after = body.day_of_month, body.months_after
        row.working_days, row.roll_forward = body.working_days, body.roll_forward
        row.active = True
        after = _snapshot(row)
        if after != before:
            row.version += 1
            row.updated_by, row.updated_at = principal.sub, utcnow()
            await self.repo.flush()
            action = "created" if before is None else "updated"
            self.audit.record(ENTITY, row.id, action, principal.sub, before, after, body.reason)
            log.info("deadline_rule_set", owner=owner, periodicity=periodicity.value, by=principal.sub)
        return owner

    async def remove_rule(
        self, principal: Principal, periodicity: Periodicity, requested: str | None, reason: str | None
    ) -> str:
        """Remove the owner's rule (the region then follows the national one); returns the owner."""
        owner = await self._owner(principal, requested, periodicity)
        row = await self.repo.get(owner, periodicity.value)
        if row is None or not row.active:
            raise NotFound(f"{owner} has no {periodicity.value}ly deadline rule of its own", owner=owner)
        before = _snapshot(row)
        row.active = False
        row.version += 1
        row.updated_by, row.updated_at = principal.sub, utcnow()
        await self.repo.flush()
        self.audit.record(ENTITY, row.id, "removed", principal.sub, before, _snapshot(row), reason)
        log.info("deadline_rule_removed", owner=owner, periodicity=periodicity.value, by=principal.sub)
        return owner

    async def history(self, periodicity: Periodicity, owner: str | None) -> list[DefinitionChange]:
        ids = await self.repo.ids_of(periodicity.value, owner)
        return [definition_change(e) for e in await self.audit.events(ENTITY, ids)]

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
        book = await deadline_book(self.session)
        rule = book.for_region(resolved.region_code)[period.type]
        indicators = [
            i
            for i in await self.repo.input_indicators(period.type.value)
            if i.source == "manual" and applies_to_region(i, resolved.region_code)
        ]
        levels = [OrgUnitLevel.ORGANISATION.value, *(expected_level(i) for i in indicators)]
        expected_units = await self.repo.units_under(region.path, levels)
        by_level: dict[str, list[int]] = {}
        codes: dict[int, str] = {}
        for unit in expected_units:
            by_level.setdefault(unit.level, []).append(unit.id)
            codes[unit.id] = unit.code
        reports = {
            (i, u): (s, late)
            for i, u, s, late in await self.repo.reports([i.id for i in indicators], region.path, period.code)
        }
        expected = received = approved = on_time = late_count = drafts = 0
        missing: list[MissingReport] = []
        for indicator in indicators:
            for unit_id in by_level.get(expected_level(indicator), []):
                expected += 1
                status, late = reports.get((indicator.id, unit_id), (None, None))
                if status in (ValueStatus.SUBMITTED, ValueStatus.APPROVED):
                    received += 1
                    approved += status == ValueStatus.APPROVED
                    if late:
                        late_count += 1
                    else:
                        on_time += 1
                    continue
                drafts += status == ValueStatus.DRAFT
                missing.append(
                    MissingReport(
                        org_unit_code=codes[unit_id], indicator_code=indicator.code, status=status or "missing"
                    )
                )
        missing.sort(key=lambda m: (m.org_unit_code, m.indicator_code))
        organisations = len(by_level.get(OrgUnitLevel.ORGANISATION.value, []))
        return Completeness(
            region_code=region.code,
            period=period.code,
            timezone=timezone,
            deadline=deadline_for(period, rule),
            deadline_at=deadline_instant(period, rule, timezone),
            organisations=organisations,
            indicators=len(indicators),
            expected=expected,
            received=received,
            approved=approved,
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
