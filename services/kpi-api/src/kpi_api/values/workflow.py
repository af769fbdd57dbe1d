"""The approval workflow of one value: submit, approve, reopen; and reading a value and its trail.

Each step is one compare-and-set on the version and the status it starts from, so of two racing
approvers (or an approver racing a writer) exactly one wins; the other gets a 409. Approval is four
eyes: whoever last entered the figure or submitted it may not approve it (403 ``four_eyes``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.audit.schemas import AuditEventRead
from kpi_api.deadlines.rules_store import rules_in_force
from kpi_api.models import IndicatorValue, OrgUnit
from kpi_api.numbers import plain
from kpi_api.org_units.service import OrgUnitService
from kpi_api.scope import scope_of
from kpi_api.values.errors import ValueLocked, ValueNotFound, WorkflowConflict
from kpi_api.values.repository import ValueRepository
from kpi_api.values.rules import four_eyes_problem
from kpi_api.values.schemas import ValueRead, ValueState, ValueStatus
from kpi_api.values.service import VALUE_WRITERS, deadline_late, snapshot
from kpi_api.webhooks.events import STEP_EVENTS, value_event
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.periods import Period
from zdrav_shared.problems import Conflict, Forbidden

log = get_logger(__name__)

APPROVERS = (Role.REGIONAL_ADMIN, Role.FEDERAL)
PAST = {"submit": "submitted", "approve": "approved", "reopen": "reopened"}
HINTS = {"approve": "submit it first", "submit": "it is already submitted", "reopen": "only approved values reopen"}


def value_read(value: IndicatorValue, indicator_code: str, org_unit_code: str) -> ValueRead:
    return ValueRead(
        id=value.id,
        indicator_code=indicator_code,
        org_unit_code=org_unit_code,
        period=value.period,
        value=plain(value.value),
        state=ValueState(value.state) if value.state else None,
        numerator=plain(value.numerator),
        denominator=plain(value.denominator),
        comment=value.comment,
        status=ValueStatus(value.status),
        version=value.version,
        outlier=value.outlier,
        outlier_reason=value.outlier_reason,
        submitted_at=value.submitted_at,
        late=value.late,
        approved_at=value.approved_at,
        approved_by=value.approved_by,
        updated_by=value.updated_by,
        entered_by=value.entered_by,
        submitted_by=value.submitted_by,
        created_at=value.created_at,
        updated_at=value.updated_at,
    )


class ValueWorkflow:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock
        self.repo = ValueRepository(session)
        self.audit = AuditRepository(session)

    async def load(self, principal: Principal, value_id: int) -> tuple[IndicatorValue, str, str]:
        """The value if it lies inside the caller's scope (the scope is part of the query)."""
        scope = await scope_of(self.session, principal)
        found = await self.repo.get(value_id, scope.clause(OrgUnit.path))
        if found is None:
            raise ValueNotFound(value_id)
        return found

    async def read(self, principal: Principal, value_id: int) -> ValueRead:
        return value_read(*await self.load(principal, value_id))

    async def history(self, principal: Principal, value_id: int) -> list[AuditEventRead]:
        value, _, _ = await self.load(principal, value_id)
        return [AuditEventRead.of(e) for e in await self.audit.events("value", [value.id])]

    async def _transition(
        self,
        principal: Principal,
        value_id: int,
        if_match: str | None,
        action: str,
        allowed_from: ValueStatus,
        to: ValueStatus,
        reason: str | None,
    ) -> ValueRead:
        value, indicator_code, unit_code = await self.load(principal, value_id)
        check_if_match(if_match, value.version)
        current = ValueStatus(value.status)
        if current is not allowed_from:
            if current is ValueStatus.APPROVED:
                raise ValueLocked(f"value {value_id} is approved and locked; a regional_admin must reopen it first")
            raise WorkflowConflict(f"value {value_id} is {current.value}: cannot {action} ({HINTS[action]})")
        if action == "approve":
            problem = four_eyes_problem(principal.sub, value.entered_by, value.submitted_by)
            if problem:
                raise Forbidden(problem, reason="four_eyes", id=value.id)
        before = snapshot(value)
        now = self.clock()
        changes: dict[str, object] = {"status": to.value, "updated_by": principal.sub, "updated_at": utcnow()}
        if action == "submit":
            resolved = await OrgUnitService(self.session).resolve(unit_code)
            rules = await rules_in_force(self.session, resolved.region_code)
            late = deadline_late(now, Period.parse(value.period), rules, resolved.timezone)
            changes |= {"submitted_at": now, "submitted_by": principal.sub, "late": late}
        elif action == "approve":
            changes |= {"approved_at": now, "approved_by": principal.sub}
        else:
            changes |= {"approved_at": None, "approved_by": None}
        if not await self.repo.compare_and_set(value, changes, from_status=allowed_from.value):
            await self.repo.refresh(value)
            raise Conflict(
                f"value {value_id} changed while you were at it (now {value.status}, version {value.version}); "
                "read it again",
                id=value.id,
                current_version=value.version,
            )
        past = PAST[action]
        self.audit.record("value", value.id, past, principal.sub, before, snapshot(value), reason)
        unit = (await OrgUnitService(self.session).resolve(unit_code)).unit
        await value_event(
            self.session, STEP_EVENTS[action], value, indicator_code, unit.path, principal.sub, now, reason
        )
        await self.repo.flush()
        log.info(f"value_{past}", id=value.id, by=principal.sub)
        return value_read(value, indicator_code, unit_code)

    async def submit(self, principal: Principal, value_id: int, if_match: str | None, comment: str | None) -> ValueRead:
        require_role(principal, *VALUE_WRITERS)
        return await self._transition(
            principal, value_id, if_match, "submit", ValueStatus.DRAFT, ValueStatus.SUBMITTED, comment
        )

    async def approve(
        self, principal: Principal, value_id: int, if_match: str | None, comment: str | None
    ) -> ValueRead:
        require_role(principal, *APPROVERS)
        return await self._transition(
            principal, value_id, if_match, "approve", ValueStatus.SUBMITTED, ValueStatus.APPROVED, comment
        )

    async def reopen(self, principal: Principal, value_id: int, if_match: str | None, reason: str) -> ValueRead:
        require_role(principal, *APPROVERS)
        return await self._transition(
            principal, value_id, if_match, "reopen", ValueStatus.APPROVED, ValueStatus.DRAFT, reason
        )
