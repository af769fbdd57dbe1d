"""Writing values in bulk: each item is checked and stored on its own; a bad item is rejected alone.

Each item is one compare-and-set (``values.repository``): a stale or raced ``version`` rejects that
item with 409 and the current version while the other items go on. Without a ``version`` the writer
works on the state it read; when another writer changed it in between, the item is re-read and
re-checked (an approved value is then locked) and written again, so that the audit trail's ``before``
is always the state really replaced and every state gets its own version.

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
from kpi_api.deadlines.rules_store import DEFAULT_TIMEZONE, DeadlineBook, deadline_book
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.rules import Aggregation, Direction, IndicatorKind, Periodicity, is_outlier, period_matches
from kpi_api.models import Indicator, IndicatorValue, OrgUnit
from kpi_api.numbers import plain
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.org_units.rules import path_codes
from kpi_api.org_units.service import ResolvedUnit
from kpi_api.reporting_calendar import DeadlineRule, is_late
from kpi_api.targets.rules import Status, Thresholds
from kpi_api.targets.verdict import TargetFigures, judge
from kpi_api.values.errors import ValueLocked
from kpi_api.values.repository import ValueRepository
from kpi_api.values.rules import Figure, ItemFault, entered_figure, level_problem, owner_problem
from kpi_api.values.schemas import ItemOutcome, ValueItem, ValueResult, ValuesPost, ValuesResult, ValueStatus
from kpi_api.webhooks.events import VALUE_SUBMITTED, value_event
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
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
MAX_ATTEMPTS = 5
"""Writes of one item without a version that lose a race are retried on the fresh state this often."""


def _text(number: Decimal | None) -> str | None:
    return None if number is None else format(plain(number), "f")


def snapshot(value: IndicatorValue) -> dict[str, Any]:
    """The audited state of a value (counts only for ratio indicators)."""
    state: dict[str, Any] = {"value": _text(value.value), "comment": value.comment, "status": value.status}
    if value.state is not None:
        state["state"] = value.state
    if value.numerator is not None or value.denominator is not None:
        state["numerator"], state["denominator"] = _text(value.numerator), _text(value.denominator)
    return state


def stale(value: IndicatorValue) -> Conflict:
    """The 409 of a raced or stale version, with the version to read again."""
    return Conflict(
        f"the value changed since you read it (now at version {value.version}); read it again",
        id=value.id,
        current_version=value.version,
    )


def locked(value: IndicatorValue, indicator_code: str, unit_code: str) -> ValueLocked:
    return ValueLocked(
        f"the value of {indicator_code} for {unit_code} in {value.period} was approved"
        f"{' by ' + value.approved_by if value.approved_by else ''} and is locked; "
        "a regional_admin must reopen it first",
        id=value.id,
    )


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
    targets: dict[tuple[int, int], dict[str, TargetFigures]]
    history: dict[tuple[int, int], list[tuple[tuple[int, int], Decimal]]]
    deadlines: DeadlineBook

    def resolved(self, unit: OrgUnit) -> ResolvedUnit:
        return ResolvedUnit(unit, [self.lineage[c] for c in path_codes(unit.path) if c in self.lineage])

    def late(self, now: datetime, period: Period, unit: OrgUnit) -> bool:
        """Past the deadline of the unit's region (its own rule, else the national one) in its time zone."""
        resolved = self.resolved(unit)
        rules = self.deadlines.for_region(resolved.region_code)
        return deadline_late(now, period, rules, resolved.timezone)


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
        found: dict[int, ValueResult] = {}
        seen: dict[tuple[str, str, str], int] = {}
        for index in _write_order(items):
            item = items[index]
            try:
                if isinstance(item, ProblemError):
                    raise item
                key = (item.indicator_code, item.org_unit_code, item.period.code)
                if key in seen:
                    raise _field(index, "period", f"repeats item {seen[key]} (same indicator, org unit and period)")
                seen[key] = index
                found[index] = await self._one(principal, index, item, context, now, body.submit)
            except ProblemError as problem:
                found[index] = ValueResult(
                    index=index, status=ItemOutcome.REJECTED, problem=Problem.model_validate(problem.to_problem())
                )
        results = [found[index] for index in range(len(items))]
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
            deadlines=await deadline_book(self.session),
        )

    async def _one(
        self, principal: Principal, index: int, item: ValueItem, ctx: _Context, now: datetime, submit: bool
    ) -> ValueResult:
        indicator, unit = self._checked(principal, index, item, ctx)
        try:
            figure = entered_figure(
                indicator, item.value, item.numerator, item.denominator, item.state.value if item.state else None
            )
        except ItemFault as fault:
            raise _field(index, fault.field, fault.message) from None
        key = (indicator.id, unit.id, item.period.code)
        for _ in range(MAX_ATTEMPTS):
            existing = ctx.existing.get(key)
            if existing is None:
                created = await self._create(principal, index, item, indicator, unit, figure, ctx, now, submit)
                if created is not None:
                    return created
                # Another request created it meanwhile: this item now writes over that value.
                existing = await self.repo.fresh(*key)
                assert existing is not None
                ctx.existing[key] = existing
            if existing.status == ValueStatus.APPROVED:
                raise locked(existing, indicator.code, unit.code)
            if item.version is not None and item.version != existing.version:
                raise stale(existing)
            written = await self._update(principal, index, item, indicator, unit, figure, existing, ctx, now, submit)
            if written is not None:
                return written
            await self.repo.refresh(existing)
            if item.version is not None:
                if existing.status == ValueStatus.APPROVED:
                    raise locked(existing, indicator.code, unit.code)
                raise stale(existing)
        raise Conflict("the value kept changing while it was written; send it again", id=ctx.existing[key].id)

    def _checked(self, principal: Principal, index: int, item: ValueItem, ctx: _Context) -> tuple[Indicator, OrgUnit]:
        """The item's indicator and org unit, or the problem that rejects it (422 with a pointer, 403)."""
        indicator = ctx.indicators.get(item.indicator_code)
        if indicator is None:
            raise _field(index, "indicator_code", f"unknown indicator {item.indicator_code}")
        if indicator.kind != IndicatorKind.INPUT:
            raise _field(
                index, "indicator_code", f"{indicator.code} is a formula indicator: it is computed, not entered"
            )
        if not indicator.active:
            raise _field(index, "indicator_code", f"{indicator.code} is switched off: it takes no values")
        unit = ctx.units.get(item.org_unit_code)
        if unit is None:
            raise _field(index, "org_unit_code", f"unknown org unit {item.org_unit_code}")
        lineage = path_codes(unit.path)
        if not principal.covers(lineage):
            message = f"org unit {unit.code} is outside your scope"
            raise Forbidden(message, errors=[FieldError(pointer=f"/items/{index}/org_unit_code", message=message)])
        problem = level_problem(indicator, unit.level, unit.code) or owner_problem(indicator, lineage, unit.code)
        if problem:
            raise _field(index, "org_unit_code", problem)
        periodicity = Periodicity(indicator.periodicity)
        if not period_matches(item.period, periodicity):
            raise _field(
                index,
                "period",
                f"{indicator.code} is reported per {periodicity.value}: {item.period} is a {item.period.type.value}",
            )
        return indicator, unit

    def _judged(
        self,
        index: int,
        item: ValueItem,
        indicator: Indicator,
        unit: OrgUnit,
        figure: Figure,
        comment: str | None,
        ctx: _Context,
    ) -> tuple[bool, str | None]:
        """The off-track comment rule (422) and the outlier flag of the figure."""
        if figure.value is None:
            return False, None  # no number: nothing to judge
        # The same judgement analytics makes: one number or a range ("4-14", judged from its nearer bound).
        judged = judge(
            figure.value,
            item.period,
            ctx.targets.get((indicator.id, unit.id), {}),
            ytd=False,
            direction=Direction(indicator.direction),
            thresholds=Thresholds(indicator.on_track_ratio, indicator.at_risk_ratio),
            time_aggregation=Aggregation(indicator.time_aggregation) if indicator.time_aggregation else None,
            declared_max=None,  # above the maximum is a warning to check, not off track
            cause_note_pct=None,
        )
        if judged.status is Status.OFF_TRACK and not (comment and comment.strip()):
            raise _field(index, "comment", f"the value is off track ({judged.status_reason}): explain it in a comment")
        position = (item.period.year, item.period.last_month)
        earlier = [v for at, v in ctx.history.get((indicator.id, unit.id), []) if at < position][-HISTORY_POINTS:]
        flagged, reason = is_outlier(figure.value, earlier, indicator.declared_min, indicator.declared_max)
        return flagged, reason

    async def _create(
        self,
        principal: Principal,
        index: int,
        item: ValueItem,
        indicator: Indicator,
        unit: OrgUnit,
        figure: Figure,
        ctx: _Context,
        now: datetime,
        submit: bool,
    ) -> ValueResult | None:
        """Insert the value; None when another request inserted it first."""
        flagged, outlier_reason = self._judged(index, item, indicator, unit, figure, item.comment, ctx)
        fields: dict[str, Any] = {
            "indicator_id": indicator.id,
            "org_unit_id": unit.id,
            "period": item.period.code,
            "period_type": item.period.type.value,
            "year": item.period.year,
            "end_month": item.period.last_month,
            "value": figure.value,
            "numerator": figure.numerator,
            "denominator": figure.denominator,
            "state": figure.state,
            "comment": item.comment,
            "status": ValueStatus.DRAFT.value,
            "outlier": flagged,
            "outlier_reason": outlier_reason,
            "updated_by": principal.sub,
            "entered_by": principal.sub,
            "version": 1,
        }
        if submit:
            fields |= self._submission(principal, item.period, unit, ctx, now)
        value = await self.repo.insert_new(fields)
        if value is None:
            return None
        ctx.existing[(indicator.id, unit.id, item.period.code)] = value
        self.audit.record("value", value.id, "created", principal.sub, None, snapshot(value))
        if submit:
            await value_event(self.session, VALUE_SUBMITTED, value, indicator.code, unit.path, principal.sub, now)
        return _result(index, ItemOutcome.CREATED, value)

    async def _update(
        self,
        principal: Principal,
        index: int,
        item: ValueItem,
        indicator: Indicator,
        unit: OrgUnit,
        figure: Figure,
        value: IndicatorValue,
        ctx: _Context,
        now: datetime,
        submit: bool,
    ) -> ValueResult | None:
        """Compare-and-set the value from the state read; None when another writer got there first."""
        comment = item.comment if item.comment is not None else value.comment
        flagged, outlier_reason = self._judged(index, item, indicator, unit, figure, comment, ctx)
        entered: dict[str, Any] = {
            "value": figure.value,
            "numerator": figure.numerator,
            "denominator": figure.denominator,
        }
        changes: dict[str, Any] = {}
        if (
            any(_differs(getattr(value, k), v) for k, v in entered.items())
            or comment != value.comment
            or figure.state != value.state
        ):
            entered["state"] = figure.state
            changes |= {**entered, "comment": comment, "entered_by": principal.sub}
        if (flagged, outlier_reason) != (value.outlier, value.outlier_reason):
            changes |= {"outlier": flagged, "outlier_reason": outlier_reason}
        submitting = submit and value.status == ValueStatus.DRAFT
        if submitting:
            changes |= self._submission(principal, item.period, unit, ctx, now)
        if not changes:
            return _result(index, ItemOutcome.UPDATED, value)
        before = snapshot(value)
        changes |= {"updated_by": principal.sub, "updated_at": utcnow()}
        if not await self.repo.compare_and_set(value, changes):
            return None
        after = snapshot(value)
        if after != before:
            self.audit.record("value", value.id, "updated", principal.sub, before, after)
        if submitting:
            await value_event(self.session, VALUE_SUBMITTED, value, indicator.code, unit.path, principal.sub, now)
        return _result(index, ItemOutcome.UPDATED, value)

    @staticmethod
    def _submission(
        principal: Principal, period: Period, unit: OrgUnit, ctx: _Context, now: datetime
    ) -> dict[str, Any]:
        return {
            "status": ValueStatus.SUBMITTED.value,
            "submitted_at": now,
            "submitted_by": principal.sub,
            "late": ctx.late(now, period, unit),
        }


def _write_order(items: list[ValueItem | ProblemError]) -> list[int]:
    """Item indexes in the order of their value's key, the same in every request: concurrent requests
    then lock the rows they write (and the keys they insert) in one order and never deadlock. A repeated
    key keeps its first item first."""

    def key(index: int) -> tuple[int, tuple[str, str, str], int]:
        item = items[index]
        if isinstance(item, ProblemError):
            return (0, ("", "", ""), index)
        return (1, (item.indicator_code, item.org_unit_code, item.period.code), index)

    return sorted(range(len(items)), key=key)


def _differs(stored: Decimal | None, given: Decimal | None) -> bool:
    if stored is None or given is None:
        return stored is not given
    return stored != given


def _result(index: int, outcome: ItemOutcome, value: IndicatorValue) -> ValueResult:
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
