"""Reporting obligations met or not: record a submission (or an obligation an event opened), and list
who owes a report for a period with its due date, when it came and whether on time.

Who is expected: for a period report, every active org unit of the report type's ``expected_level``
in the region(s) asked about (``region``: the region itself) — each owes one report per period, and
is ``missing`` until it submits; a unit of another level may submit too and is listed beside them; for
an event report, only the obligations recorded for events (by the caller, or by roadmap-api for a
change of the regional centre) — nobody owes a notice of an event that did not happen.

Due dates are local: the org unit's time zone (its own, else its region's) and the Russian
production calendar of the year (:mod:`kpi_api.report_types.rules`). A recorded obligation keeps
the due date it got when it was recorded; an expected one not yet recorded is due by the rule in force.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.deadlines.rules_store import DEFAULT_TIMEZONE
from kpi_api.indicators.rules import Periodicity
from kpi_api.models import OrgUnit, ReportSubmission, ReportType
from kpi_api.org_units.errors import OrgUnitNotFound
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.org_units.rules import path_codes
from kpi_api.org_units.service import OrgUnitService, ResolvedUnit
from kpi_api.report_submissions.repository import SubmissionRepository
from kpi_api.report_submissions.schemas import (
    SubmissionCreate,
    SubmissionList,
    SubmissionRead,
    SubmissionStatus,
    Timeliness,
)
from kpi_api.report_types.repository import ReportTypeRepository
from kpi_api.report_types.rules import due_at, due_date, first_late_instant, is_on_time, obligation_key
from kpi_api.report_types.service import due_rule_of
from kpi_api.reporting_calendar import zone
from kpi_api.scope import scope_of
from zdrav_shared.auth import Principal, Role, require_role, require_scope
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import InvalidPeriod, Period
from zdrav_shared.problems import Conflict, Unprocessable

log = get_logger(__name__)

ENTITY = "report_submission"
SUBMITTERS = (Role.FEDERAL, Role.SERVICE, Role.REGIONAL_ADMIN, Role.MO_OPERATOR)


@dataclass
class Submitted:
    row: ReportSubmission
    created: bool


def _snapshot(row: ReportSubmission) -> dict[str, Any]:
    return {
        "period": row.period,
        "event_date": row.event_date.isoformat() if row.event_date else None,
        "due_date": row.due_date.isoformat(),
        "timezone": row.timezone,
        "submitted_at": row.submitted_at.isoformat() if row.submitted_at else None,
        "on_time": row.on_time,
        "version": row.version,
    }


def _parse_period(text: str, pointer: str) -> Period:
    try:
        return Period.parse(text)
    except (InvalidPeriod, ValueError) as exc:
        raise Unprocessable(str(exc), pointer=pointer) from exc


class SubmissionService:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.clock = clock
        self.repo = SubmissionRepository(session)
        self.types = ReportTypeRepository(session)
        self.audit = AuditRepository(session)

    async def _type(self, code: str, pointer: str) -> ReportType:
        row = await self.types.get(code)
        if row is None:
            raise Unprocessable(f"there is no report type {code} (GET /v1/report-types lists them)", pointer=pointer)
        return row

    def _when(
        self, report_type: ReportType, period: str | None, event_date: date | None
    ) -> tuple[Period | None, date | None]:
        rule = due_rule_of(report_type)
        if rule.kind.is_event_based:
            if period is not None:
                raise Unprocessable(
                    f"{report_type.code} is owed after an event: give event_date, not period", pointer="/period"
                )
            if event_date is None:
                raise Unprocessable(
                    f"{report_type.code} is owed after an event: give event_date", pointer="/event_date"
                )
            return None, event_date
        if event_date is not None:
            raise Unprocessable(
                f"{report_type.code} is a period report: give period, not event_date", pointer="/event_date"
            )
        if period is None:
            raise Unprocessable(
                f"{report_type.code} is a {report_type.periodicity}ly report: give period", pointer="/period"
            )
        parsed = _parse_period(period, "/period")
        _check_periodicity(report_type, parsed, "/period")
        return parsed, None

    async def submit(self, principal: Principal, body: SubmissionCreate) -> Submitted:
        require_role(principal, *SUBMITTERS)
        report_type = await self._type(body.report_type, "/report_type")
        if not report_type.active:
            raise Unprocessable(f"report type {report_type.code} is no longer in use", pointer="/report_type")
        try:
            resolved = await OrgUnitService(self.session).resolve(body.org_unit_code)
        except OrgUnitNotFound as exc:
            raise Unprocessable(f"there is no org unit {body.org_unit_code}", pointer="/org_unit_code") from exc
        require_scope(principal, [u.code for u in resolved.lineage], resolved.unit.code)
        if resolved.unit.level == OrgUnitLevel.FEDERATION:
            raise Unprocessable("reports are submitted by regions and the units inside them", pointer="/org_unit_code")
        period, event_date = self._when(report_type, body.period, body.event_date)
        timezone = resolved.timezone or DEFAULT_TIMEZONE
        now = self.clock()
        submitted_at = body.submitted_at
        if submitted_at is None and period is not None:
            submitted_at = now
        if submitted_at is not None:
            _check_submitted_at(submitted_at, period, event_date, timezone)
        key = obligation_key(period, event_date)
        existing = await self.repo.get(report_type.id, resolved.unit.id, key)
        if existing is None:
            due = due_date(due_rule_of(report_type), period=period, event_date=event_date)
            row = ReportSubmission(
                report_type_id=report_type.id,
                org_unit_id=resolved.unit.id,
                obligation=key,
                period=period.code if period else None,
                event_date=event_date,
                due_date=due,
                due_at=first_late_instant(due, timezone),
                timezone=timezone,
                created_by=principal.sub,
                version=1,
            )
            if submitted_at is not None:
                row.submitted_at, row.submitted_by = submitted_at, principal.sub
                row.on_time = is_on_time(submitted_at, due, timezone)
            if await self.repo.insert(row):
                action = "submitted" if submitted_at is not None else "opened"
                self.audit.record(ENTITY, row.id, action, principal.sub, None, _snapshot(row))
                log.info(
                    "report_obligation_recorded", report_type=report_type.code, unit=resolved.unit.code, action=action
                )
                return Submitted(row, True)
            # Another request recorded it first: continue as the upsert it is.
            existing = await self.repo.get(report_type.id, resolved.unit.id, key)
            assert existing is not None
        if existing.submitted_at is None and submitted_at is not None:
            before = _snapshot(existing)
            on_time = is_on_time(submitted_at, existing.due_date, existing.timezone)
            if await self.repo.complete(existing, submitted_at, on_time, principal.sub):
                self.audit.record(ENTITY, existing.id, "submitted", principal.sub, before, _snapshot(existing))
                log.info("report_submitted", report_type=report_type.code, unit=resolved.unit.code, on_time=on_time)
                return Submitted(existing, False)
        if existing.submitted_at is None:
            return Submitted(existing, False)  # the event's obligation again: nothing new
        if body.submitted_at is not None and existing.submitted_at != body.submitted_at:
            raise Conflict(
                f"{report_type.code} of {resolved.unit.code} for {key} was already submitted at "
                f"{existing.submitted_at.isoformat()}",
                reason="already_submitted",
                submitted_at=existing.submitted_at.isoformat(),
            )
        return Submitted(existing, False)

    async def list(
        self, principal: Principal, report_type_code: str, period_text: str, region: str | None
    ) -> SubmissionList:
        report_type = await self._type(report_type_code, "/query/report_type")
        period = _parse_period(period_text, "/query/period")
        rule = due_rule_of(report_type)
        if not rule.kind.is_event_based:
            _check_periodicity(report_type, period, "/query/period")
        scope = await scope_of(self.session, principal)
        roots: list[str] | None = None
        if region is not None:
            unit = await OrgUnitRepository(self.session).get(region)
            if unit is None:
                raise Unprocessable(f"there is no org unit {region}", pointer="/query/region")
            scope.require(unit.path, unit.code)
            roots = [unit.path]
        if rule.kind.is_event_based:
            recorded = await self.repo.recorded(report_type.id, roots, scope, window=(period.start, period.end))
            expected: list[OrgUnit] = []
        else:
            recorded = await self.repo.recorded(report_type.id, roots, scope, period=period.code)
            expected = await self.repo.expected_units(report_type.expected_level, roots, scope)
        units = [u for _, u in recorded] + expected
        zones = await _zones(self.session, units)
        now = self.clock()
        rows = [read_submission(report_type, s, u, now) for s, u in recorded]
        seen = {u.id for _, u in recorded}
        for unit in expected:
            if unit.id in seen:
                continue
            timezone = zones.get(unit.code, DEFAULT_TIMEZONE)
            due = due_date(rule, period=period)
            rows.append(
                SubmissionRead(
                    report_type=report_type.code,
                    org_unit_code=unit.code,
                    region_code=_region_of(unit),
                    period=period.code,
                    due_date=due,
                    due_at=due_at(due, timezone),
                    timezone=timezone,
                    status=SubmissionStatus.MISSING,
                    overdue=now >= first_late_instant(due, timezone),
                )
            )
        rows.sort(key=lambda r: (r.region_code or "", r.org_unit_code, r.event_date or date.min))
        by_region: dict[str, list[SubmissionRead]] = {}
        for row in rows:
            by_region.setdefault(row.region_code or "", []).append(row)
        return SubmissionList(
            report_type=report_type.code,
            period=period.code,
            event_based=rule.kind.is_event_based,
            rows=rows,
            regions=[_timeliness(code or None, group) for code, group in sorted(by_region.items())],
            total=_timeliness(None, rows),
        )


def read_submission(report_type: ReportType, row: ReportSubmission, unit: OrgUnit, now: datetime) -> SubmissionRead:
    if row.submitted_at is None:
        status = SubmissionStatus.MISSING
    else:
        status = SubmissionStatus.ON_TIME if row.on_time else SubmissionStatus.LATE
    zone_info = zone(row.timezone)
    return SubmissionRead(
        id=row.id,
        report_type=report_type.code,
        org_unit_code=unit.code,
        region_code=_region_of(unit),
        period=row.period,
        event_date=row.event_date,
        due_date=row.due_date,
        due_at=due_at(row.due_date, row.timezone),
        timezone=row.timezone,
        submitted_at=row.submitted_at.astimezone(zone_info) if row.submitted_at else None,
        on_time=row.on_time,
        status=status,
        overdue=row.submitted_at is None and now >= row.due_at,
        submitted_by=row.submitted_by,
        version=row.version,
    )


def _check_periodicity(report_type: ReportType, period: Period, pointer: str) -> None:
    periodicity = Periodicity(report_type.periodicity) if report_type.periodicity else None
    if periodicity is not None and period.type is not periodicity.period_type:
        raise Unprocessable(
            f"{report_type.code} is reported per {periodicity.value}: {period.code} is not a {periodicity.value}",
            pointer=pointer,
        )


def _check_submitted_at(submitted_at: datetime, period: Period | None, event_date: date | None, timezone: str) -> None:
    """A report cannot come before its event, nor before its period is over (the monthly report is due
    "from the 1st to the 5th" of the next month). The time is taken as sent,
    not held against the server clock: registries record submissions made on paper or elsewhere."""
    local_day = submitted_at.astimezone(zone(timezone)).date()
    if event_date is not None and local_day < event_date:
        raise Unprocessable("submitted_at is before the event it reports on", pointer="/submitted_at")
    if period is not None and local_day <= period.end:
        opens = (period.end + timedelta(days=1)).isoformat()
        raise Unprocessable(
            f"a report for {period.code} is submitted after the period, from {opens}", pointer="/submitted_at"
        )


def _region_of(unit: OrgUnit) -> str | None:
    codes = path_codes(unit.path)
    return codes[1] if len(codes) > 1 else None


async def _zones(session: AsyncSession, units: Sequence[OrgUnit]) -> dict[str, str]:
    """Each unit's effective time zone (its own or the nearest ancestor's), with one query."""
    codes = {c for u in units for c in path_codes(u.path)}
    known = await OrgUnitRepository(session).get_many(sorted(codes))
    zones: dict[str, str] = {}
    for unit in units:
        lineage = [known[c] for c in path_codes(unit.path) if c in known]
        zone_name = ResolvedUnit(unit, lineage).timezone
        if zone_name:
            zones[unit.code] = zone_name
    return zones


def _pct(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


def _timeliness(region: str | None, rows: Sequence[SubmissionRead]) -> Timeliness:
    on_time = sum(r.status is SubmissionStatus.ON_TIME for r in rows)
    late = sum(r.status is SubmissionStatus.LATE for r in rows)
    missing = sum(r.status is SubmissionStatus.MISSING for r in rows)
    expected = len(rows)
    return Timeliness(
        region_code=region,
        expected=expected,
        submitted=on_time + late,
        on_time=on_time,
        late=late,
        missing=missing,
        overdue=sum(r.overdue for r in rows),
        completeness_pct=_pct(on_time + late, expected),
        timeliness_pct=_pct(on_time, expected),
    )
