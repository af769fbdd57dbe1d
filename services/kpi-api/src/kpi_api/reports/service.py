"""The federal quarterly report: indicators from analytics' SQL for every region at once, survey and
roadmap sections pulled from the peers concurrently within a time budget, completeness in bulk.

The peers are asked once each (a bulk call, not one per region) while the database work runs; a
peer that does not answer within ``KPI_REPORT_PEER_BUDGET_S`` (timeouts, errors or a frozen
process alike) leaves its section null in every region and is listed in ``sections_unavailable``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.analytics.service import MAX_ROWS, AnalyticsQuery, AnalyticsService
from kpi_api.deadlines.repository import DeadlineRepository
from kpi_api.deadlines.rules_store import rules_in_force
from kpi_api.indicators.rules import Periodicity, Source, can_report_for
from kpi_api.models import OrgUnit
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.reporting_calendar import deadline_for
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
            indicators = await self._indicators(principal, period, regions)
            completeness = await self._completeness(period, regions)
        except BaseException:
            for task in (survey_task, roadmap_task):
                if task is not None:
                    task.cancel()
            raise
        survey = await survey_task if survey_task else None
        roadmaps = await roadmap_task if roadmap_task else None
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

    async def _indicators(
        self, principal: Principal, period: Period, regions: list[OrgUnit]
    ) -> dict[str, list[ReportIndicator]]:
        """Every active indicator reportable for the quarter, for every region: analytics' GROUP BYs
        over all regions at once (in chunks of indicators below analytics' row limit)."""
        if not regions:
            return {}
        catalogue = [
            i for i in await self.repo.active_indicators() if can_report_for(period, Periodicity(i.periodicity))
        ]
        by_code = {i.code: i for i in catalogue}
        found: dict[str, list[ReportIndicator]] = {}
        per_chunk = max(1, MAX_ROWS // len(regions))
        analytics = AnalyticsService(self.session, self.clock)
        for start in range(0, len(catalogue), per_chunk):
            chunk = [i.code for i in catalogue[start : start + per_chunk]]
            query = AnalyticsQuery(indicators=chunk, org_units=[r.code for r in regions], periods=[period])
            answer = await analytics.run(principal, query)
            for row in answer.rows:
                indicator = by_code[row.indicator_code]
                found.setdefault(row.org_unit_code, []).append(
                    ReportIndicator(
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
                        n=row.n,
                        sample_ok=row.sample_ok,
                        data_as_of=row.data_as_of,
                    )
                )
        return found

    async def _completeness(self, period: Period, regions: list[OrgUnit]) -> dict[int, CompletenessSection]:
        rule = (await rules_in_force(self.session))[period.type]
        indicators = [
            i
            for i in await DeadlineRepository(self.session).input_indicators(period.type.value)
            if i.source == "manual"
        ]
        ids = [r.id for r in regions]
        organisations = await self.repo.organisations(ids)
        reports = await self.repo.reports([i.id for i in indicators], ids, period.code)
        deadline = deadline_for(period, rule)
        sections = {}
        for region in regions:
            orgs = organisations.get(region.id, 0)
            expected = orgs * len(indicators)
            counts = reports.get(region.id)
            received = counts.received if counts else 0
            late = counts.late if counts else 0
            sections[region.id] = CompletenessSection(
                deadline=deadline,
                organisations=orgs,
                indicators=len(indicators),
                expected=expected,
                received=received,
                on_time=received - late,
                late=late,
                drafts=counts.drafts if counts else 0,
                completeness_pct=_pct(received, expected),
                timeliness_pct=_pct(received - late, expected),
            )
        return sections


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
