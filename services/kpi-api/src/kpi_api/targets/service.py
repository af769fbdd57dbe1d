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
from kpi_api.targets.schemas import TargetItem, TargetKind, TargetRead, TargetsPut, TargetsResult
from zdrav_shared.auth import Principal, require_role
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import PeriodType
from zdrav_shared.problems import Conflict, FieldError, Forbidden, Unprocessable

log = get_logger(__name__)

TARGET_PERIOD_TYPES = (PeriodType.YEAR, PeriodType.QUARTER)


def _snapshot(target: Target) -> dict[str, Any]:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else format(plain(value), "f")

    return {
        "baseline": text(target.baseline),
        "baseline_year": target.baseline_year,
        "baseline_calc": target.baseline_calc,
        "target": text(target.target),
        "target_low": text(target.target_low),
        "target_high": text(target.target_high),
        "kind": target.kind,
        "note": target.note,
    }


_FIELDS = ("baseline", "baseline_year", "baseline_calc", "target", "target_low", "target_high", "note")


def _assign(target: Target, item: TargetItem) -> None:
    for name in _FIELDS:
        setattr(target, name, getattr(item, name))
    target.kind = item.kind.value


def _figure_problems(item: TargetItem, at: str) -> list[FieldError]:
    """A target is one number, or a range low ≤ high, or (neither) a note saying why."""
    low, high = item.target_low, item.target_high
    if (low is None) != (high is None):
        missing = "target_high" if high is None else "target_low"
        return [FieldError(pointer=f"{at}/{missing}", message="a range needs both target_low and target_high")]
    if low is not None and high is not None:
        if item.target is not None:
            return [FieldError(pointer=f"{at}/target", message="give a target or a range, not both")]
        if low > high:
            return [FieldError(pointer=f"{at}/target_low", message=f"the range's low {low} is above its high {high}")]
        return []
    if item.target is None and not item.note:
        return [FieldError(pointer=f"{at}/target", message="give a target, a range, or a note saying why not")]
    return []


def target_read(target: Target, indicator_code: str, org_unit_code: str) -> TargetRead:
    return TargetRead(
        indicator_code=indicator_code,
        org_unit_code=org_unit_code,
        period=target.period,
        baseline=plain(target.baseline),
        baseline_year=target.baseline_year,
        baseline_calc=target.baseline_calc,
        target=plain(target.target),
        target_low=plain(target.target_low),
        target_high=plain(target.target_high),
        kind=TargetKind(target.kind),
        note=target.note,
        locked=target.approved_at is not None,
        approved_at=target.approved_at,
        approved_by=target.approved_by,
        version=target.version,
        updated_at=target.updated_at,
    )


def _changes(target: Target, item: TargetItem) -> bool:
    probe = Target(kind=target.kind)
    _assign(probe, item)
    return _snapshot(probe) != _snapshot(target)


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
            errors.extend(_figure_problems(item, at))
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
        for index, (item, key) in enumerate(zip(body.items, keys, strict=True)):
            locked = existing.get(key)
            if locked is not None and locked.approved_at is not None and _changes(locked, item):
                raise Conflict(
                    f"the target of {item.org_unit_code} for {item.period.code} is approved: reopen it with a "
                    "reason to change it; nothing was applied",
                    pointer=f"/items/{index}",
                    reason="target_locked",
                )
        for item, key in zip(body.items, keys, strict=True):
            target = existing.get(key)
            if target is None:
                target = Target(
                    indicator_id=indicator.id,
                    org_unit_id=key[0],
                    period=item.period.code,
                    period_type=item.period.type.value,
                    year=item.period.year,
                    version=1,
                )
                _assign(target, item)
                self.repo.add(target)
                touched.append((target, item.org_unit_code, None))
                created += 1
                continue
            before: dict[str, Any] | None = _snapshot(target)
            _assign(target, item)
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
