"""Approving targets locks them; reopening one (with a reason) unlocks it for a change. Both audited."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.indicators.service import CATALOGUE_WRITERS, IndicatorService
from kpi_api.models import Indicator, Target
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.targets.repository import TargetRepository
from kpi_api.targets.schemas import TargetKey, TargetRead, TargetsApprove, TargetsReopen
from kpi_api.targets.service import target_read
from zdrav_shared.auth import Principal, require_role
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import FieldError, Forbidden, Unprocessable

log = get_logger(__name__)


class TargetApprovalService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = TargetRepository(session)
        self.units = OrgUnitRepository(session)
        self.audit = AuditRepository(session)
        self.session = session

    async def approve(self, principal: Principal, code: str, body: TargetsApprove) -> list[TargetRead]:
        """Lock the targets named; already approved ones stay as they are."""
        indicator, found = await self._find(principal, code, body.items)
        now = utcnow()
        for target, _ in found:
            if target.approved_at is None:
                target.approved_at, target.approved_by = now, principal.sub
                target.version += 1
                self.audit.record(
                    "target", target.id, "approved", principal.sub, {"locked": False}, {"locked": True}, body.reason
                )
        await self.repo.flush()
        log.info("targets_approved", indicator=code, count=len(found), by=principal.sub)
        return [target_read(t, indicator.code, unit) for t, unit in found]

    async def reopen(self, principal: Principal, code: str, body: TargetsReopen) -> list[TargetRead]:
        """Unlock approved targets for a change; a target not approved is a 409 naming it."""
        indicator, found = await self._find(principal, code, body.items)
        errors = [
            FieldError(pointer=f"/items/{i}", message="this target is not approved: nothing to reopen")
            for i, (target, _) in enumerate(found)
            if target.approved_at is None
        ]
        if errors:
            raise Unprocessable("only approved targets are reopened; nothing was applied", errors=errors)
        for target, _ in found:
            target.approved_at = target.approved_by = None
            target.version += 1
            self.audit.record(
                "target", target.id, "reopened", principal.sub, {"locked": True}, {"locked": False}, body.reason
            )
        await self.repo.flush()
        log.info("targets_reopened", indicator=code, count=len(found), by=principal.sub)
        return [target_read(t, indicator.code, unit) for t, unit in found]

    async def _find(
        self, principal: Principal, code: str, items: list[TargetKey]
    ) -> tuple[Indicator, list[tuple[Target, str]]]:
        require_role(principal, *CATALOGUE_WRITERS)
        indicator = await IndicatorService(self.session).get(code)
        units = await self.units.get_many(sorted({i.org_unit_code for i in items}))
        errors: list[FieldError] = []
        for index, item in enumerate(items):
            unit = units.get(item.org_unit_code)
            if unit is None:
                errors.append(FieldError(pointer=f"/items/{index}/org_unit_code", message="unknown org unit"))
            elif not principal.covers([c for c in unit.path.split("/") if c]):
                raise Forbidden(f"org unit {item.org_unit_code} (item {index}) is outside your scope")
        if errors:
            raise Unprocessable(f"{len(errors)} item(s) are not valid; nothing was applied", errors=errors)
        keys = [(units[i.org_unit_code].id, i.period.code) for i in items]
        existing = await self.repo.existing(indicator.id, keys)
        found: list[tuple[Target, str]] = []
        for index, (item, key) in enumerate(zip(items, keys, strict=True)):
            target = existing.get(key)
            if target is None:
                errors.append(FieldError(pointer=f"/items/{index}", message=f"no target is set for {item.period.code}"))
            elif all(t.id != target.id for t, _ in found):
                found.append((target, item.org_unit_code))
        if errors:
            raise Unprocessable(f"{len(errors)} item(s) name no target; nothing was applied", errors=errors)
        return indicator, found
