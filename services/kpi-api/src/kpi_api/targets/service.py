"""Use cases of targets and baselines: bulk upsert (all or nothing), listing, audit. Never commits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.audit.schemas import AuditEventRead
from kpi_api.indicators.rules import Periodicity, can_report_for
from kpi_api.indicators.service import CATALOGUE_WRITERS, IndicatorService
from kpi_api.models import Indicator, OrgUnit, Target
from kpi_api.numbers import plain
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.scope import scope_of
from kpi_api.targets.repository import TargetRepository
from kpi_api.targets.schemas import TargetRead, TargetsPut, TargetsResult
from zdrav_shared.auth import Principal, require_role
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import PeriodType
from zdrav_shared.problems import FieldError, Forbidden, Unprocessable

log = get_logger(__name__)

TARGET_PERIOD_TYPES = (PeriodType.YEAR, PeriodType.QUARTER)


def _snapshot(target: Target) -> dict[str, Any]:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else format(plain(value), "f")

    return {"baseline": text(target.baseline), "target": text(target.target), "note": target.note}


def target_read(target: Target, indicator_code: str, org_unit_code: str) -> TargetRead:
    return TargetRead(
        indicator_code=indicator_code,
        org_unit_code=org_unit_code,
        period=target.period,
        baseline=plain(target.baseline),
        target=plain(target.target),
        note=target.note,
        version=target.version,
        updated_at=target.updated_at,
    )


class TargetService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = TargetRepository(session)
        self.units = OrgUnitRepository(session)
        self.audit = AuditRepository(session)

    async def put(self, principal: Principal, code: str, body: TargetsPut) -> TargetsResult:
        require_role(principal, *CATALOGUE_WRITERS)
        indicator = await IndicatorService(self.session).get(code)
        periodicity = Periodicity(indicator.periodicity)
        units = await self.units.get_many(sorted({i.org_unit_code for i in body.items}))
        errors: list[FieldError] = []
        seen: dict[tuple[str, str], int] = {}
        for index, item in enumerate(body.items):
            at = f"/items/{index}"
            unit = units.get(item.org_unit_code)
            if unit is None:
                errors.append(
                    FieldError(pointer=f"{at}/org_unit_code", message=f"unknown org unit {item.org_unit_code}")
                )
            elif not principal.covers([c for c in unit.path.split("/") if c]):
                raise Forbidden(f"org unit {item.org_unit_code} (item {index}) is outside your scope", pointer=at)
            if item.period.type not in TARGET_PERIOD_TYPES:
                errors.append(FieldError(pointer=f"{at}/period", message="targets are set per year or per quarter"))
            elif not can_report_for(item.period, periodicity):
                errors.append(
                    FieldError(
                        pointer=f"{at}/period",
                        message=f"{code} is reported per {periodicity.value}: no target for {item.period}",
                    )
                )
            if item.target is None and not item.note:
                errors.append(FieldError(pointer=f"{at}/target", message="give a target, or a note saying why not"))
            key = (item.org_unit_code, item.period.code)
            if key in seen:
                errors.append(FieldError(pointer=at, message=f"repeats item {seen[key]} (same org unit and period)"))
            seen.setdefault(key, index)
        if errors:
            raise Unprocessable(f"{len(errors)} item(s) are not valid; nothing was applied", errors=errors)
        return await self._apply(principal, indicator, body, units)

    async def _apply(
        self, principal: Principal, indicator: Indicator, body: TargetsPut, units: dict[str, OrgUnit]
    ) -> TargetsResult:
        keys = [(units[i.org_unit_code].id, i.period.code) for i in body.items]
        existing = await self.repo.existing(indicator.id, keys)
        created = updated = unchanged = 0
        touched: list[tuple[Target, str, dict[str, Any] | None]] = []
        for item, key in zip(body.items, keys, strict=True):
            target = existing.get(key)
            if target is None:
                target = Target(
                    indicator_id=indicator.id,
                    org_unit_id=key[0],
                    period=item.period.code,
                    period_type=item.period.type.value,
                    year=item.period.year,
                    baseline=item.baseline,
                    target=item.target,
                    note=item.note,
                    version=1,
                )
                self.repo.add(target)
                touched.append((target, item.org_unit_code, None))
                created += 1
                continue
            before: dict[str, Any] | None = _snapshot(target)
            target.baseline, target.target, target.note = item.baseline, item.target, item.note
            if _snapshot(target) == before:
                unchanged += 1
            else:
                target.version += 1
                updated += 1
            touched.append((target, item.org_unit_code, before))
        await self.repo.flush()
        for target, _, before in touched:
            after = _snapshot(target)
            if before != after:
                action = "created" if before is None else "updated"
                self.audit.record("target", target.id, action, principal.sub, before, after, body.reason)
        await self.repo.flush()
        log.info("targets_put", indicator=indicator.code, created=created, updated=updated, by=principal.sub)
        return TargetsResult(
            created=created,
            updated=updated,
            unchanged=unchanged,
            items=[target_read(t, indicator.code, unit_code) for t, unit_code, _ in touched],
        )

    async def list_targets(
        self, principal: Principal, code: str, org_unit_code: str | None, year: int | None
    ) -> list[TargetRead]:
        indicator = await IndicatorService(self.session).get(code)
        scope = await scope_of(self.session, principal)
        unit_id: int | None = None
        if org_unit_code is not None:
            unit = await self.units.get(org_unit_code)
            if unit is None:
                raise Unprocessable(f"unknown org unit {org_unit_code}", pointer="/query/org_unit")
            unit_id = unit.id
        rows = await self.repo.list_for(indicator.id, scope=scope.clause(OrgUnit.path), org_unit_id=unit_id, year=year)
        return [target_read(t, indicator.code, unit_code) for t, unit_code in rows]

    async def history(self, principal: Principal, code: str) -> list[AuditEventRead]:
        indicator = await IndicatorService(self.session).get(code)
        scope = await scope_of(self.session, principal)
        ids = await self.repo.ids_of_indicator(indicator.id, scope.clause(OrgUnit.path))
        return [AuditEventRead.of(e) for e in await self.audit.events("target", ids)]
