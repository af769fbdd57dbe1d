"""Writing values in bulk: each item is checked and stored on its own; a bad item is rejected alone.

Never commits: the request's session is committed once by the route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.deadlines.rules_store import DEFAULT_TIMEZONE, rules_in_force
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.rules import Aggregation, Direction, IndicatorKind, Periodicity, is_outlier, period_matches
from kpi_api.models import Indicator, IndicatorValue, OrgUnit
from kpi_api.numbers import plain
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.org_units.rules import path_codes
from kpi_api.org_units.service import ResolvedUnit
from kpi_api.reporting_calendar import DeadlineRule, is_late
from kpi_api.targets.resolve import target_for
from kpi_api.targets.rules import Status, Thresholds, status_vs_target
from kpi_api.values.errors import ValueLocked
from kpi_api.values.repository import ValueRepository
from kpi_api.values.schemas import ItemOutcome, ValueItem, ValueResult, ValuesPost, ValuesResult, ValueStatus
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.problems import (
    Conflict,
    FieldError,
    Forbidden,
    Problem,
    ProblemError,
    Unprocessable,
    pointer_from_loc,
)

log = get_logger(__name__)

VALUE_WRITERS = (Role.MO_OPERATOR, Role.REGIONAL_ADMIN, Role.FEDERAL)
HISTORY_POINTS = 12


def snapshot(value: IndicatorValue) -> dict[str, Any]:
    """The audited state of a value."""
    return {
        "value": format(plain(value.value), "f") if value.value is not None else None,
        "comment": value.comment,
        "status": value.status,
    }


def _field(index: int, name: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[FieldError(pointer=f"/items/{index}/{name}", message=message)])


def deadline_late(now: datetime, period: Period, rules: dict[PeriodType, DeadlineRule], timezone: str | None) -> bool:
    return is_late(now, period, rules[period.type], timezone or DEFAULT_TIMEZONE)


@dataclass
class _Context:
    """Everything the items of one request need, loaded with a handful of queries."""

    indicators: dict[str, Indicator]
    units: dict[str, OrgUnit]
    lineage: dict[str, OrgUnit]
    existing: dict[tuple[int, int, str], IndicatorValue]
    targets: dict[tuple[int, int], dict[str, object]]
    history: dict[tuple[int, int], list[tuple[tuple[int, int], Decimal]]]
    rules: dict[PeriodType, DeadlineRule]

    def timezone(self, unit: OrgUnit) -> str | None:
        chain = [self.lineage[c] for c in path_codes(unit.path) if c in self.lineage]
        return ResolvedUnit(unit, chain).timezone


class ValueWriter:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock
        self.repo = ValueRepository(session)
        self.audit = AuditRepository(session)

    async def write(self, principal: Principal, body: ValuesPost) -> ValuesResult:
        require_role(principal, *VALUE_WRITERS)
        items: list[ValueItem | ProblemError] = []
        for index, raw in enumerate(body.items):
            try:
                items.append(ValueItem.model_validate(raw))
            except ValidationError as exc:
                errors = [
                    FieldError(pointer=f"/items/{index}{pointer_from_loc(e['loc'])}", message=e["msg"])
                    for e in exc.errors()
                ]
                items.append(Unprocessable("; ".join(f"{e.pointer}: {e.message}" for e in errors), errors=errors))
        valid = [i for i in items if isinstance(i, ValueItem)]
        context = await self._load(valid)
        now = self.clock()
        results: list[ValueResult] = []
        seen: dict[tuple[str, str, str], int] = {}
        for index, item in enumerate(items):
            try:
                if isinstance(item, ProblemError):
                    raise item
                key = (item.indicator_code, item.org_unit_code, item.period.code)
                if key in seen:
                    raise _field(index, "period", f"repeats item {seen[key]} (same indicator, org unit and period)")
                seen[key] = index
                results.append(await self._one(principal, index, item, context, now, body.submit))
            except ProblemError as problem:
                results.append(
                    ValueResult(
                        index=index, status=ItemOutcome.REJECTED, problem=Problem.model_validate(problem.to_problem())
                    )
                )
        await self.repo.flush()
        accepted = sum(r.status is not ItemOutcome.REJECTED for r in results)
        log.info("values_written", accepted=accepted, rejected=len(results) - accepted, by=principal.sub)
        return ValuesResult(results=results)

    async def _load(self, items: list[ValueItem]) -> _Context:
        indicators = await IndicatorRepository(self.session).get_many([i.indicator_code for i in items])
        unit_repo = OrgUnitRepository(self.session)
        units = await unit_repo.get_many(sorted({i.org_unit_code for i in items}))
        lineage = await unit_repo.get_many(sorted({c for u in units.values() for c in path_codes(u.path)}))
        indicator_ids = [i.id for i in indicators.values()]
        unit_ids = [u.id for u in units.values()]
        periods = [i.period.code for i in items]
        years = sorted({i.period.year for i in items})
        history: dict[tuple[int, int], list[tuple[tuple[int, int], Decimal]]] = {}
        if years:
            rows = await self.repo.history(indicator_ids, unit_ids, years[0] - 3)
            for indicator_id, unit_id, _, year, end_month, value in sorted(rows, key=lambda r: (r[3], r[4])):
                history.setdefault((indicator_id, unit_id), []).append(((year, end_month), Decimal(str(value))))
        return _Context(
            indicators=indicators,
            units=units,
            lineage=lineage,
            existing=await self.repo.existing(indicator_ids, unit_ids, periods),
            targets=await self.repo.targets(indicator_ids, unit_ids, years),
            history=history,
            rules=await rules_in_force(self.session),
        )

    async def _one(
        self, principal: Principal, index: int, item: ValueItem, ctx: _Context, now: datetime, submit: bool
    ) -> ValueResult:
        indicator = ctx.indicators.get(item.indicator_code)
        if indicator is None:
            raise _field(index, "indicator_code", f"unknown indicator {item.indicator_code}")
        if indicator.kind != IndicatorKind.INPUT:
            raise _field(
                index, "indicator_code", f"{indicator.code} is a formula indicator: it is computed, not entered"
            )
        if not indicator.active:
            raise _field(index, "indicator_code", f"{indicator.code} is no longer active")
        unit = ctx.units.get(item.org_unit_code)
        if unit is None:
            raise _field(index, "org_unit_code", f"unknown org unit {item.org_unit_code}")
        if not principal.covers(path_codes(unit.path)):
            message = f"org unit {unit.code} is outside your scope"
            raise Forbidden(message, errors=[FieldError(pointer=f"/items/{index}/org_unit_code", message=message)])
        periodicity = Periodicity(indicator.periodicity)
        if not period_matches(item.period, periodicity):
            raise _field(
                index,
                "period",
                f"{indicator.code} is reported per {periodicity.value}: {item.period} is a {item.period.type.value}",
            )
        existing = ctx.existing.get((indicator.id, unit.id, item.period.code))
        if existing is not None:
            if existing.status == ValueStatus.APPROVED:
                raise ValueLocked(
                    f"the value of {indicator.code} for {unit.code} in {item.period} was approved"
                    f"{' by ' + existing.approved_by if existing.approved_by else ''} and is locked; "
                    "a regional_admin must reopen it first",
                    id=existing.id,
                )
            if item.version is not None and item.version != existing.version:
                raise Conflict(
                    f"the value changed since you read it (now at version {existing.version}); read it again",
                    id=existing.id,
                    current_version=existing.version,
                )
        comment = item.comment if item.comment is not None else (existing.comment if existing else None)
        known = ctx.targets.get((indicator.id, unit.id), {})
        target, _ = target_for(
            item.period,
            {k: Decimal(str(v)) for k, v in known.items() if v is not None},
            Aggregation(indicator.time_aggregation) if indicator.time_aggregation else None,
        )
        verdict = status_vs_target(
            item.value,
            target,
            Direction(indicator.direction),
            Thresholds(indicator.on_track_ratio, indicator.at_risk_ratio),
        )
        if verdict.status is Status.OFF_TRACK and not (comment and comment.strip()):
            raise _field(index, "comment", f"the value is off track ({verdict.reason}): explain it in a comment")
        position = (item.period.year, item.period.last_month)
        earlier = [v for at, v in ctx.history.get((indicator.id, unit.id), []) if at < position][-HISTORY_POINTS:]
        flagged, outlier_reason = is_outlier(item.value, earlier, indicator.declared_min, indicator.declared_max)

        if existing is None:
            value = IndicatorValue(
                indicator_id=indicator.id,
                org_unit_id=unit.id,
                period=item.period.code,
                period_type=item.period.type.value,
                year=item.period.year,
                end_month=item.period.last_month,
                value=item.value,
                comment=comment,
                status=ValueStatus.DRAFT.value,
                updated_by=principal.sub,
                version=1,
            )
            before = None
            outcome = ItemOutcome.CREATED
        else:
            value = existing
            before = snapshot(value)
            value.value, value.comment = item.value, comment
            outcome = ItemOutcome.UPDATED
        value.outlier, value.outlier_reason = flagged, outlier_reason
        if submit and value.status == ValueStatus.DRAFT:
            value.status = ValueStatus.SUBMITTED.value
            value.submitted_at = now
            value.late = deadline_late(now, item.period, ctx.rules, ctx.timezone(unit))
        after = snapshot(value)
        if before is None:
            self.repo.add(value)
            ctx.existing[(indicator.id, unit.id, item.period.code)] = value
            await self.repo.flush()
            self.audit.record("value", value.id, "created", principal.sub, None, after)
        elif before != after:
            value.version += 1
            value.updated_by = principal.sub
            self.audit.record("value", value.id, "updated", principal.sub, before, after)
        return ValueResult(
            index=index,
            status=outcome,
            id=value.id,
            version=value.version,
            workflow=ValueStatus(value.status),
            outlier=value.outlier,
            outlier_reason=value.outlier_reason,
            late=value.late,
        )
