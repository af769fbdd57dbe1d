"""Use cases of report types: create, read, change (owner only, audited), history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.indicators.rules import Periodicity
from kpi_api.models import ReportType
from kpi_api.report_types.errors import ReportTypeCodeTaken, ReportTypeNotFound
from kpi_api.report_types.repository import ReportTypeRepository
from kpi_api.report_types.rules import DueRule, DueRuleKind
from kpi_api.report_types.schemas import (
    DueRuleBody,
    DueRuleRead,
    ReportTypeCreate,
    ReportTypeRead,
    ReportTypeUpdate,
)
from kpi_api.report_types.seeds import FEDERAL_REPORT_TYPES
from zdrav_shared.auth import Principal
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.ownership import FEDERAL_OWNER, DefinitionChange, default_owner, require_owner
from zdrav_shared.problems import Conflict, FieldError, Unprocessable

log = get_logger(__name__)

ENTITY = "report_type"


def due_rule_of(row: ReportType) -> DueRule:
    return DueRule(DueRuleKind(row.rule), row.day, row.months_after, row.days, row.months, row.roll_forward)


def check_due(body: DueRuleBody, periodicity: Periodicity | None, pointer: str = "/due") -> DueRule:
    """The rule, or a 422 listing every parameter that does not fit (and a periodicity that does not)."""
    rule = DueRule(body.rule, body.day, body.months_after, body.days, body.months, body.roll_forward)
    errors = [FieldError(pointer=f"{pointer}/{name}", message=message) for name, message in rule.problems()]
    if rule.kind.is_event_based and periodicity is not None:
        errors.append(FieldError(pointer="/periodicity", message="an event report has no periodicity"))
    if not rule.kind.is_event_based and periodicity is None:
        errors.append(
            FieldError(pointer="/periodicity", message="a period report needs periodicity (month, quarter, year)")
        )
    if rule.kind is DueRuleKind.WORKING_DAYS_AFTER_EVENT and rule.roll_forward:
        errors.append(
            FieldError(pointer=f"{pointer}/roll_forward", message="a working-day rule always ends on a working day")
        )
    if errors:
        raise Unprocessable(errors[0].message, errors=errors)
    if rule.kind is DueRuleKind.DAY_OF_NEXT_PERIOD and rule.months_after is None:
        rule = DueRule(rule.kind, rule.day, 1, None, None, rule.roll_forward)
    return rule


def read(row: ReportType) -> ReportTypeRead:
    rule = due_rule_of(row)
    return ReportTypeRead(
        code=row.code,
        name_ru=row.name_ru,
        description=row.description,
        owner=row.owner,
        due=DueRuleRead(
            rule=rule.kind,
            day=rule.day,
            months_after=rule.months_after,
            days=rule.days,
            months=rule.months,
            roll_forward=rule.roll_forward,
            description_ru=rule.describe_ru(),
        ),
        periodicity=Periodicity(row.periodicity) if row.periodicity else None,
        event_based=rule.kind.is_event_based,
        expected_level=OrgUnitLevel(row.expected_level),
        active=row.active,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def snapshot(row: ReportType) -> dict[str, Any]:
    """What the history keeps of a report type."""
    return {
        "code": row.code,
        "name_ru": row.name_ru,
        "description": row.description,
        "owner": row.owner,
        "rule": row.rule,
        "day": row.day,
        "months_after": row.months_after,
        "days": row.days,
        "months": row.months,
        "roll_forward": row.roll_forward,
        "periodicity": row.periodicity,
        "expected_level": row.expected_level,
        "active": row.active,
        "version": row.version,
    }


def _apply_rule(row: ReportType, rule: DueRule) -> None:
    row.rule = rule.kind.value
    row.day, row.months_after, row.days, row.months = rule.day, rule.months_after, rule.days, rule.months
    row.roll_forward = rule.roll_forward


class ReportTypeService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = ReportTypeRepository(session)
        self.audit = AuditRepository(session)

    async def get(self, code: str) -> ReportType:
        row = await self.repo.get(code)
        if row is None:
            raise ReportTypeNotFound(code)
        return row

    async def create(self, principal: Principal, data: ReportTypeCreate) -> ReportType:
        owner = default_owner(principal, data.owner)
        rule = check_due(data.due, data.periodicity)
        if data.expected_level is OrgUnitLevel.FEDERATION:
            raise Unprocessable("reports are owed by regions or the units inside them", pointer="/expected_level")
        if await self.repo.get(data.code) is not None:
            raise ReportTypeCodeTaken(data.code)
        row = ReportType(
            code=data.code,
            name_ru=data.name_ru,
            description=data.description,
            owner=owner,
            periodicity=data.periodicity.value if data.periodicity else None,
            expected_level=data.expected_level.value,
            active=True,
            version=1,
        )
        _apply_rule(row, rule)
        self.repo.add(row)
        await self.repo.flush()
        self.audit.record(ENTITY, row.id, "created", principal.sub, None, snapshot(row))
        log.info("report_type_created", code=row.code, owner=owner, by=principal.sub)
        return row

    async def update(self, principal: Principal, code: str, data: ReportTypeUpdate, if_match: str | None) -> ReportType:
        row = await self.get(code)
        require_owner(principal, row.owner, f"report type {code}")
        check_if_match(if_match, row.version)
        changes = data.model_dump(exclude_unset=True, exclude={"reason"})
        for required in ("name_ru", "due", "expected_level", "active"):
            if required in changes and changes[required] is None:
                raise Unprocessable(f"{required} cannot be removed", pointer=f"/{required}")
        before = snapshot(row)
        periodicity = (
            data.periodicity
            if "periodicity" in changes
            else (Periodicity(row.periodicity) if row.periodicity else None)
        )
        if data.due is not None or "periodicity" in changes:
            rule = check_due(data.due or _body(row), periodicity)
            kind_changes = rule.kind.is_event_based != due_rule_of(row).kind.is_event_based
            if (kind_changes or periodicity != (Periodicity(row.periodicity) if row.periodicity else None)) and (
                await self.repo.has_submissions(row.id)
            ):
                raise Conflict(
                    f"report type {code} has submissions: its periodicity and kind of rule are fixed; "
                    "create a new report type instead",
                    reason="has_submissions",
                )
            _apply_rule(row, rule)
            row.periodicity = periodicity.value if periodicity else None
        if data.expected_level is not None:
            if data.expected_level is OrgUnitLevel.FEDERATION:
                raise Unprocessable("reports are owed by regions or the units inside them", pointer="/expected_level")
            row.expected_level = data.expected_level.value
        for field in ("name_ru", "description", "active"):
            if field in changes:
                setattr(row, field, changes[field])
        after = snapshot(row)
        if {k: v for k, v in after.items() if k != "version"} != {k: v for k, v in before.items() if k != "version"}:
            row.version += 1
            after["version"] = row.version
            await self.repo.flush()
            self.audit.record(ENTITY, row.id, "updated", principal.sub, before, after, data.reason)
            log.info("report_type_updated", code=code, by=principal.sub)
        return row

    async def history(self, code: str) -> list[DefinitionChange]:
        row = await self.get(code)
        events = await self.audit.events(ENTITY, [row.id])
        return [
            DefinitionChange(at=e.at, actor=e.actor, action=e.action, before=e.before, after=e.after, reason=e.reason)
            for e in events
        ]

    async def ensure_federal_seeds(self) -> int:
        """Insert the federal report types that are missing (never changes an existing one). Replicas
        starting together may race: a row another one inserted first is simply there."""
        added = 0
        for seed in FEDERAL_REPORT_TYPES:
            if await self.repo.get(seed["code"]) is not None:
                continue
            row = ReportType(owner=FEDERAL_OWNER, expected_level="region", active=True, version=1, **_seed_fields(seed))
            try:
                async with self.repo.session.begin_nested():
                    self.repo.add(row)
                    await self.repo.flush()
            except IntegrityError:
                continue
            added += 1
        return added


def _seed_fields(seed: dict[str, Any]) -> dict[str, Any]:
    blank: dict[str, Any] = {"day": None, "months_after": None, "days": None, "months": None, "periodicity": None}
    return {**blank, "roll_forward": False, **seed}


def _body(row: ReportType) -> DueRuleBody:
    return DueRuleBody(
        rule=DueRuleKind(row.rule),
        day=row.day,
        months_after=row.months_after,
        days=row.days,
        months=row.months,
        roll_forward=row.roll_forward,
    )
