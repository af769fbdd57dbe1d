"""The figures of the satisfaction chart, read through the aggregates service (the same numbers and
scope as ``GET /v1/aggregates?group_by=org_unit``); names of the org units from kpi-api (cached)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.aggregates.service import AggregateService
from survey_api.campaigns.context import CampaignCache
from survey_api.charts.schemas import IntervalRow, SatisfactionChart
from zdrav_shared import charts
from zdrav_shared.auth import Principal
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.contracts.survey import AggregateGroupBy
from zdrav_shared.http_client import PeerUnavailable
from zdrav_shared.problems import Unprocessable

MAX_ROWS = 300
"""A line per org unit: past this the picture is unreadable."""


class ChartService:
    def __init__(self, session: AsyncSession, cache: CampaignCache, org_units: OrgUnitClient | None) -> None:
        self.aggregates = AggregateService(session, cache, org_units)
        self.org_units = org_units

    async def _name(self, code: str) -> str:
        if self.org_units is None:
            return code
        try:
            ref = await self.org_units.get(code)
        except PeerUnavailable:
            # A label is not worth failing the picture for: the code stands in for the name.
            return code
        return ref.name_ru if ref is not None else code

    async def satisfaction(self, caller: Principal, campaign: str, org_unit: str, period: str) -> SatisfactionChart:
        """One row per org unit with responses in ``org_unit``'s subtree (scope as aggregates)."""
        answer = await self.aggregates.aggregates(caller, campaign, org_unit, period, AggregateGroupBy.ORG_UNIT)
        rows = [r for r in answer.rows if r.org_unit_code is not None]
        if len(rows) > MAX_ROWS:
            raise Unprocessable(
                f"{len(rows)} org units to draw, at most {MAX_ROWS}: choose a narrower org unit",
                pointer="/query/org_unit",
            )
        return SatisfactionChart(
            campaign_code=answer.campaign_code,
            org_unit_code=org_unit,
            period=answer.period,
            minimum_sample=answer.minimum_sample,
            title=f"Удовлетворённость и NPS — {await self._name(org_unit)}, {answer.period}",
            rows=[
                IntervalRow(
                    org_unit_code=r.org_unit_code or "",
                    name_ru=await self._name(r.org_unit_code or ""),
                    n=r.n,
                    satisfaction_share=r.satisfaction_share,
                    satisfaction_ci95=r.satisfaction_ci95,
                    nps=r.nps,
                    nps_ci95=r.nps_ci95,
                    sample_ok=r.sample_ok,
                )
                for r in rows
            ],
        )


async def render(chart: SatisfactionChart, fmt: charts.ChartFormat) -> bytes:
    """The intervals image of exactly the rows in ``chart``."""
    rows = [
        charts.IntervalRow(r.name_ru, r.satisfaction_share, r.satisfaction_ci95, r.nps, r.nps_ci95, r.sample_ok, r.n)
        for r in chart.rows
    ]
    return await charts.render_intervals(chart.title, rows, fmt)
