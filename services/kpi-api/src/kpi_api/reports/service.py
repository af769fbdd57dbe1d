"""The federal quarterly report: indicators from analytics' SQL for every region at once, survey and
roadmap sections pulled from the peers concurrently within a time budget, completeness in bulk.

Only approved values reach it: every indicator row is analytics with ``data=approved``, and says how
many org units' approved values it rests on (``approved_units``) of those expected to report it
(``expected_units``: the region's active units of the indicator's reporting level, organisations when
it has none — the same units the completeness section expects, whose ``approved`` count agrees). A
region's rows are the federal indicators and the region's own.

The peers are asked once each (a bulk call, not one per region) while the database work runs; a
peer that does not answer within ``KPI_REPORT_PEER_BUDGET_S`` (timeouts, errors or a frozen
process alike) leaves its section null in every region and is listed in ``sections_unavailable``.
The pulled indicators are computed from those same answers (``kpi_api.reports.pulled``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.analytics.schemas import AnalyticsRow, DataFilter
from kpi_api.analytics.service import MAX_ROWS, AnalyticsQuery, AnalyticsService
from kpi_api.deadlines.repository import DeadlineRepository
from kpi_api.deadlines.rules_store import deadline_book
from kpi_api.formulas import parse, referenced_codes
from kpi_api.indicators.definition import applies_to_region, expected_level
from kpi_api.indicators.rules import IndicatorKind, Periodicity, Source, can_report_for
from kpi_api.models import Indicator, OrgUnit
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.reporting_calendar import deadline_for
from kpi_api.reports.pulled import live_figure, read_live, with_figure
from kpi_api.reports.repository import ReportRepository
from kpi_api.reports.schemas import (
    CompletenessSection,
    QuarterlyReport,
    RegionReport,
    ReportIndicator,
    RoadmapsSection,
    Section,
    SurveySection,
)
from kpi_api.scope import Scope, scope_of
from kpi_api.sources.service import Peers
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.contracts.execution import RegionsExecution
from zdrav_shared.contracts.survey import OrgUnitAggregates
from zdrav_shared.http_client import PeerError, PeerUnavailable
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import InvalidPeriod, Period, PeriodType
from zdrav_shared.problems import Unprocessable

log = get_logger(__name__)

READERS = (Role.FEDERAL, Role.REGIONAL_ADMIN, Role.SERVICE)
T = TypeVar("T")


def parse_quarter(text: str) -> Period:
    try:
        period = Period.parse(text)
    except InvalidPeriod as exc:
        raise Unprocessable(str(exc), pointer="/query/period") from exc
    if period.type is not PeriodType.QUARTER:
        raise Unprocessable("the quarterly report takes a quarter, e.g. 2025Q2", pointer="/query/period")
    return period


class QuarterlyReportService:
    def __init__(self, session: AsyncSession, peers: Peers, clock: Callable[[], datetime], budget_s: float) -> None:
        self.session = session
        self.repo = ReportRepository(session)
        self.peers = peers
        self.clock = clock
        self.budget_s = budget_s
        self.catalogue: dict[str, Indicator] = {}

    async def build(self, principal: Principal, period_text: str, region: str | None) -> QuarterlyReport:
        require_role(principal, *READERS)
        period = parse_quarter(period_text)
        scope = await scope_of(self.session, principal)
        regions = await self.repo.regions(scope) if region is None else await self._one_region(scope, region)
        generated_at = self.clock()
        codes = [r.code for r in regions]
        as_of = min(period.end, generated_at.date())
        # Both peers start now and run while the database works; each is bounded by the budget.
        survey_task = roadmap_task = None
        if codes:
            survey_task = asyncio.ensure_future(
                self._bounded(
                    Section.SURVEY,
                    lambda: self.peers.survey.org_unit_aggregates(codes, period.code, timeout_s=self.budget_s),
                )
            )
            roadmap_task = asyncio.ensure_future(
                self._bounded(
                    Section.ROADMAPS,
                    lambda: self.peers.roadmap.regions_execution(as_of, codes, timeout_s=self.budget_s),
                )
            )
        try:
            # Active units per region and level: what each indicator and the completeness expect.
            units = await self.repo.units_by_level([r.id for r in regions])
            indicators = await self._indicators(principal, period, regions, units)
            completeness = await self._completeness(period, regions, units)
        except BaseException:
            for task in (survey_task, roadmap_task):
                if task is not None:
                    task.cancel()
            raise
        survey = await survey_task if survey_task else None
        roadmaps = await roadmap_task if roadmap_task else None
        # The peers were asked when the report began: that is when their figures are from.
        for code, rows in indicators.items():
            indicators[code] = [self._pulled(row, code, survey, roadmaps, generated_at) for row in rows]
        unavailable = []
        if codes and survey is None:
            unavailable.append(Section.SURVEY)
        if codes and roadmaps is None:
            unavailable.append(Section.ROADMAPS)
        return QuarterlyReport(
            period=period.code,
            generated_at=generated_at,
            regions=[
                RegionReport(
                    region_code=r.code,
                    name_ru=r.name_ru,
                    indicators=indicators.get(r.code, []),
                    survey=_survey_section(survey, r.code),
                    roadmaps=_roadmaps_section(roadmaps, r.code),
                    completeness=completeness[r.id],
                )
                for r in regions
            ],
            sections_unavailable=unavailable,
        )

    async def _one_region(self, scope: Scope, code: str) -> list[OrgUnit]:
        """The region asked for: 422 when it is not a region, 403 outside the caller's scope."""
        unit = await OrgUnitRepository(self.session).get(code)
        if unit is None:
            raise Unprocessable(f"unknown org unit {code}", pointer="/query/region")
        if unit.level != "region":
            raise Unprocessable(f"{code} is a {unit.level}, not a region", pointer="/query/region")
        scope.require(unit.path, unit.code)
        return [unit]

    async def _bounded(self, section: Section, call: Callable[[], Awaitable[T]]) -> T | None:
        try:
            return await asyncio.wait_for(call(), self.budget_s)
        except (TimeoutError, PeerUnavailable, PeerError, ValidationError) as exc:
            log.warning("report_section_unavailable", section=section.value, error=type(exc).__name__)
            return None

    def _pulled(
        self,
        row: ReportIndicator,
        region_code: str,
        survey: OrgUnitAggregates | None,
        roadmaps: RegionsExecution | None,
        read_at: datetime,
    ) -> ReportIndicator:
        """A pulled indicator's row from the report's own peer answers (unchanged otherwise)."""
        indicator = self.catalogue.get(row.indicator_code)
        metric = read_live(indicator) if indicator is not None else None
        if indicator is None or metric is None:
            return row
        figure = live_figure(metric, region_code, survey, roadmaps)
        return row if figure is None else with_figure(row, indicator, figure, read_at)

    async def _indicators(
        self, principal: Principal, period: Period, regions: list[OrgUnit], units: dict[int, dict[str, int]]
    ) -> dict[str, list[ReportIndicator]]:
        """Every active indicator reportable for the quarter, for every region it applies to (federal
        ones, and a region's own): analytics' GROUP BYs over all regions at once from approved values
        (in chunks of indicators below analytics' row limit)."""
        if not regions:
            return {}
        self.catalogue = await self.repo.catalogue()
        catalogue = [
            i for i in await self.repo.active_indicators() if can_report_for(period, Periodicity(i.periodicity))
        ]
        by_code = {i.code: i for i in catalogue}
        regions_by_code = {r.code: r for r in regions}
        found: dict[str, list[ReportIndicator]] = {}
        per_chunk = max(1, MAX_ROWS // len(regions))
        analytics = AnalyticsService(self.session, self.clock)
        for start in range(0, len(catalogue), per_chunk):
            chunk = [i.code for i in catalogue[start : start + per_chunk]]
            query = AnalyticsQuery(
                indicators=chunk, org_units=list(regions_by_code), periods=[period], data=DataFilter.APPROVED
            )
            answer = await analytics.run(principal, query)
            for row in answer.rows:
                indicator = by_code[row.indicator_code]
                if not applies_to_region(indicator, row.org_unit_code):
                    continue
                counts = units.get(regions_by_code[row.org_unit_code].id, {})
                found.setdefault(row.org_unit_code, []).append(self._row(indicator, row, counts))
        return found

    def _row(self, indicator: Indicator, row: AnalyticsRow, counts: dict[str, int]) -> ReportIndicator:
        pulled = indicator.source_metric is not None
        return ReportIndicator(
            indicator_code=row.indicator_code,
            name_ru=indicator.name_ru,
            unit=indicator.unit,
            source=Source(indicator.source),
            value=row.value,
            reason=row.reason,
            target=row.target,
            status=row.status,
            numerator=row.numerator,
            denominator=row.denominator,
            approved_units=None if pulled else row.reported_units,
            expected_units=None if pulled else self._expected(indicator, counts),
            n=row.n,
            sample_ok=row.sample_ok,
            dont_know=row.dont_know,
            data_as_of=row.data_as_of,
        )

    def _expected(self, indicator: Indicator, counts: dict[str, int]) -> int:
        """Units expected to report an input; for a formula, the most any of its entered inputs expects."""
        if indicator.kind == IndicatorKind.INPUT:
            return counts.get(expected_level(indicator), 0)
        inputs = _entered_inputs(indicator, self.catalogue)
        return max((counts.get(expected_level(i), 0) for i in inputs), default=0)

    async def _completeness(
        self, period: Period, regions: list[OrgUnit], units: dict[int, dict[str, int]]
    ) -> dict[int, CompletenessSection]:
        book = await deadline_book(self.session)
        indicators = [
            i
            for i in await DeadlineRepository(self.session).input_indicators(period.type.value)
            if i.source == "manual"
        ]
        reports = await self.repo.reports([i.id for i in indicators], [r.id for r in regions], period.code)
        sections = {}
        for region in regions:
            counts = units.get(region.id, {})
            mine = [i for i in indicators if applies_to_region(i, region.code)]
            expected = sum(counts.get(expected_level(i), 0) for i in mine)
            found = reports.get(region.id)
            received = found.received if found else 0
            late = found.late if found else 0
            sections[region.id] = CompletenessSection(
                deadline=deadline_for(period, book.for_region(region.code)[period.type]),
                organisations=counts.get("organisation", 0),
                indicators=len(mine),
                expected=expected,
                received=received,
                approved=found.approved if found else 0,
                on_time=received - late,
                late=late,
                drafts=found.drafts if found else 0,
                completeness_pct=_pct(received, expected),
                timeliness_pct=_pct(received - late, expected),
            )
        return sections


def _entered_inputs(indicator: Indicator, catalogue: dict[str, Indicator]) -> list[Indicator]:
    """The entered (manual input) indicators a formula reads, through other formulas."""
    found: dict[str, Indicator] = {}
    seen = {indicator.code}
    pending = list(referenced_codes(parse(indicator.formula)).all) if indicator.formula else []
    while pending:
        code = pending.pop()
        other = catalogue.get(code)
        if code in seen or other is None:
            continue
        seen.add(code)
        if other.kind == IndicatorKind.INPUT:
            if other.source_metric is None:
                found[code] = other
        elif other.formula:
            pending.extend(referenced_codes(parse(other.formula)).all)
    return list(found.values())


def _pct(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


def _survey_section(answer: OrgUnitAggregates | None, code: str) -> SurveySection | None:
    if answer is None:
        return None
    row = next((r for r in answer.rows if r.org_unit_code == code), None)
    if row is None:
        return None
    return SurveySection(
        n=row.n,
        satisfaction_share=row.satisfaction_share,
        nps=row.nps,
        nps_ci95=row.nps_ci95,
        sample_ok=row.sample_ok,
        satisfied=row.satisfied,
        satisfaction_answered=row.satisfaction_answered,
        dont_know=row.dont_know,
        promoters=row.promoters,
        passives=row.passives,
        detractors=row.detractors,
        campaigns=row.campaigns,
    )


def _roadmaps_section(answer: RegionsExecution | None, code: str) -> RoadmapsSection | None:
    if answer is None:
        return None
    region = next((r for r in answer.regions if r.region_code == code), None)
    if region is None:  # no roadmap in the region
        return RoadmapsSection(
            as_of=answer.as_of,
            count=0,
            execution_pct=None,
            overdue_tasks=0,
            due=0,
            completed_on_time=0,
            completed_late=0,
            threshold_pct=Decimal(90),
            meets_threshold=None,
        )
    total = region.total
    return RoadmapsSection(
        as_of=region.as_of,
        count=len(region.roadmaps),
        execution_pct=total.execution_pct,
        overdue_tasks=total.overdue,
        due=total.due,
        completed_on_time=total.completed_on_time,
        completed_late=total.completed_late,
        threshold_pct=total.threshold_pct,
        meets_threshold=total.meets_threshold,
    )
