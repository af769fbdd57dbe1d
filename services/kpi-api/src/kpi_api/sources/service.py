"""Refresh of pulled values: survey figures from survey-api, plan execution and detractor follow-ups
from roadmap-api,
cached in ``source_values`` with their ``data_as_of``. Never commits.

Survey values are pulled for every org unit of the refreshed subtree, as survey-api rolls each
subtree up from its counts; plan execution belongs to regions, and the federation's value is the
ratio of the regions' summed task counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.indicators.rules import Periodicity, Source
from kpi_api.models import Indicator
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.scope import Scope, scope_of
from kpi_api.sources.repository import SourceRepository, UnitRef
from kpi_api.sources.rules import (
    Figure,
    SourceMetric,
    as_of_for,
    completed_of,
    execution_figure,
    followup_counts,
    followup_figure,
    periods_to_refresh,
    pullable,
    survey_figure,
)
from kpi_api.sources.schemas import RefreshResult, SkippedIndicator
from zdrav_shared.auth import FEDERATION_CODE, Principal, Role, require_role
from zdrav_shared.clients.roadmap import RoadmapClient
from zdrav_shared.clients.survey import SurveyClient
from zdrav_shared.contracts.followups import SummaryLevel
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.db import Database
from zdrav_shared.http_client import PeerError, PeerUnavailable
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import InvalidPeriod, Period
from zdrav_shared.problems import Forbidden, Unprocessable

log = get_logger(__name__)

REFRESHERS = (Role.FEDERAL, Role.REGIONAL_ADMIN, Role.SERVICE)
CHUNK = 500
"""Org units per survey-api call (its limit)."""

PeerFailure = (PeerUnavailable, PeerError, ValidationError, TimeoutError)


@dataclass(frozen=True, slots=True)
class Peers:
    survey: SurveyClient
    roadmap: RoadmapClient
    timeout_s: float = 30.0


def parse_period(text: str, pointer: str = "/query/period") -> Period:
    try:
        return Period.parse(text)
    except InvalidPeriod as exc:
        raise Unprocessable(str(exc), pointer=pointer) from exc


def metric_of(indicator: Indicator) -> SourceMetric:
    """The metric of a mapped indicator (the repository selects only those)."""
    assert indicator.source_metric is not None
    return SourceMetric(indicator.source_metric)


SYSTEM = Principal(sub="kpi-api:source-refresh", roles=frozenset({Role.SERVICE}), scope_org_units=frozenset({"RU"}))


async def refresh_all(database: Database, peers: Peers, clock: Callable[[], datetime]) -> list[RefreshResult]:
    """One round of the periodic refresh: every org unit, the periods still being reported.
    Each period is committed on its own, so that one failure keeps the others' values."""
    results = []
    async with database.sessionmaker() as session:
        years = await SourceRepository(session).target_years()
    for period in periods_to_refresh(clock().date(), years):
        async with database.sessionmaker() as session:
            results.append(await SourceRefresher(session, peers, clock).refresh(SYSTEM, period.code, None))
            await session.commit()
    return results


class SourceRefresher:
    def __init__(self, session: AsyncSession, peers: Peers, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.repo = SourceRepository(session)
        self.peers = peers
        self.clock = clock

    async def refresh(self, principal: Principal, period_text: str, region: str | None) -> RefreshResult:
        """Pull the mapped indicators' values for ``period`` in ``region``'s subtree (every org unit
        when None: ``federal`` and services only)."""
        require_role(principal, *REFRESHERS)
        period = parse_period(period_text)
        scope = await scope_of(self.session, principal)
        under_path = None
        if region is not None:
            unit = await OrgUnitRepository(self.session).get(region)
            if unit is None:
                raise Unprocessable(f"unknown org unit {region}", pointer="/query/region")
            if unit.level != OrgUnitLevel.REGION:
                raise Unprocessable(f"{region} is a {unit.level}, not a region", pointer="/query/region")
            scope.require(unit.path, unit.code)
            under_path = unit.path
        elif scope.paths is not None:
            raise Forbidden("name the region to refresh (region=…): yours is not the whole federation")
        return await self._refresh(scope, period, region, under_path)

    async def _refresh(self, scope: Scope, period: Period, region: str | None, under_path: str | None) -> RefreshResult:
        now = self.clock()
        indicators: list[Indicator] = []
        skipped: list[SkippedIndicator] = []
        for indicator in await self.repo.mapped_indicators():
            if pullable(period, Periodicity(indicator.periodicity)):
                indicators.append(indicator)
            else:
                skipped.append(SkippedIndicator(indicator_code=indicator.code, reason="period_finer_than_periodicity"))
        units = await self.repo.units(under_path, scope) if indicators else []
        figures: dict[tuple[int, int, str], Figure] = {}
        unavailable: list[str] = []
        survey = [i for i in indicators if metric_of(i).source is Source.SURVEY]
        roadmap = [i for i in indicators if metric_of(i) is SourceMetric.EXECUTION_PCT]
        followups = [i for i in indicators if metric_of(i) is SourceMetric.FOLLOWUP_48H]
        if survey and not await self._survey(survey, units, period, figures):
            unavailable.append("survey")
        if roadmap and not await self._roadmap(roadmap, units, period, region, figures, now):
            unavailable.append("roadmaps")
        if followups and not await self._followups(followups, units, period, region, figures):
            unavailable.append("followups")
        stored = await self.repo.store(figures, now)
        log.info(
            "source_values_refreshed",
            period=period.code,
            region=region,
            values=stored,
            unavailable=",".join(unavailable) or None,
        )
        return RefreshResult(
            period=period.code,
            region=region,
            data_as_of=now,
            indicators=[i.code for i in indicators],
            values_stored=stored,
            unavailable=unavailable,
            skipped=skipped,
        )

    async def _survey(
        self,
        indicators: list[Indicator],
        units: list[UnitRef],
        period: Period,
        figures: dict[tuple[int, int, str], Figure],
    ) -> bool:
        """One bulk call per campaign mapping and 500 org units; False when survey-api failed."""
        by_code = {u.code: u for u in units}
        campaigns: dict[str | None, list[Indicator]] = {}
        for indicator in indicators:
            campaigns.setdefault(indicator.source_campaign, []).append(indicator)
        codes = list(by_code)
        for campaign, mapped in campaigns.items():
            for start in range(0, len(codes), CHUNK):
                try:
                    answer = await self.peers.survey.org_unit_aggregates(
                        codes[start : start + CHUNK], period.code, campaign=campaign, timeout_s=self.peers.timeout_s
                    )
                except PeerError as exc:
                    if exc.status == 404:  # an unknown campaign: nothing to pull for its indicators
                        log.warning("source_campaign_unknown", campaign=campaign)
                        break
                    log.warning("survey_refresh_failed", error=str(exc))
                    return False
                except PeerFailure as exc:
                    log.warning("survey_refresh_failed", error=type(exc).__name__)
                    return False
                for row in answer.rows:
                    unit = by_code.get(row.org_unit_code)
                    if unit is None:
                        continue
                    for indicator in mapped:
                        figures[(indicator.id, unit.id, period.code)] = survey_figure(row, metric_of(indicator))
        return True

    async def _roadmap(
        self,
        indicators: list[Indicator],
        units: list[UnitRef],
        period: Period,
        region: str | None,
        figures: dict[tuple[int, int, str], Figure],
        now: datetime,
    ) -> bool:
        """One bulk call for every region of the subtree; False when roadmap-api failed."""
        as_of = as_of_for(period, now.date())
        if as_of is None:
            return True
        regions = {u.code: u for u in units if u.level == OrgUnitLevel.REGION}
        if not regions:
            return True
        try:
            answer = await self.peers.roadmap.regions_execution(
                as_of, [region] if region else None, timeout_s=self.peers.timeout_s
            )
        except PeerFailure as exc:
            log.warning("roadmap_refresh_failed", error=type(exc).__name__)
            return False
        found = {r.region_code: r for r in answer.regions}
        completed = due = 0
        for code, unit in regions.items():
            execution = found.get(code)
            done = completed_of(execution.total) if execution else 0
            owed = execution.total.due if execution else 0
            completed, due = completed + done, due + owed
            for indicator in indicators:
                figures[(indicator.id, unit.id, period.code)] = execution_figure(done, owed)
        federation = next((u for u in units if u.code == FEDERATION_CODE), None)
        if federation is not None:
            for indicator in indicators:
                figures[(indicator.id, federation.id, period.code)] = execution_figure(completed, due)
        return True

    async def _followups(
        self,
        indicators: list[Indicator],
        units: list[UnitRef],
        period: Period,
        region: str | None,
        figures: dict[tuple[int, int, str], Figure],
    ) -> bool:
        """One call for the follow-up counts of every org unit (of ``region``); every unit of the
        subtree gets the sums of its organisations' counts. False when roadmap-api failed."""
        if not units:
            return True
        try:
            answer = await self.peers.roadmap.followup_summary(
                period.code, region, by_org_unit=True, timeout_s=self.peers.timeout_s
            )
        except PeerFailure as exc:
            log.warning("followup_refresh_failed", error=type(exc).__name__)
            return False
        paths = {u.code: u.path for u in units}
        rows = [
            (paths[row.org_unit_code], row.followed_up_48h, row.detractors)
            for row in answer.rows
            if row.level == SummaryLevel.ORG_UNIT and row.org_unit_code in paths
        ]
        for unit in units:
            within, detractors = followup_counts(unit.path, rows)
            for indicator in indicators:
                figures[(indicator.id, unit.id, period.code)] = followup_figure(within, detractors)
        return True
