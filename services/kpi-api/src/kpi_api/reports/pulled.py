"""One figure for one thing: the report's pulled indicators from the same peer answers as its sections.

The report reads survey-api once (every region's subtree, the national questionnaire ``nsi-standard``)
and roadmap-api once (every region's execution as of the quarter's end). Its ``survey`` and
``roadmaps`` sections show those answers, and the indicators pulled from the same figures — survey
``satisfaction_share`` and ``nps`` without a campaign of their own, roadmap ``execution_pct`` — are
computed here from the very same rows (counts, then the value), with ``data_as_of`` the moment of that
read. So the NPS of the section and of the NPS indicator, or plan execution in both places, cannot
differ. What stays from the cache (``kpi_api.sources``, refreshed periodically):

- an indicator naming its own ``source_campaign`` (a different figure from the section's
  ``nsi-standard`` one, which the report does not read);
- every pulled indicator whose peer did not answer in time: its section is then null and named in
  ``sections_unavailable``, and the row shows the last cached value with its older ``data_as_of`` —
  still one figure for one thing.
"""

from __future__ import annotations

from datetime import datetime

from kpi_api.indicators.rules import Direction, Source
from kpi_api.models import Indicator
from kpi_api.numbers import plain, present
from kpi_api.reports.schemas import ReportIndicator
from kpi_api.sources.rules import Figure, SourceMetric, completed_of, execution_figure, survey_figure
from kpi_api.targets.rules import Thresholds, status_vs_target
from zdrav_shared.contracts.execution import RegionsExecution
from zdrav_shared.contracts.survey import OrgUnitAggregates


def read_live(indicator: Indicator) -> SourceMetric | None:
    """The metric of a pulled indicator the report computes from its own peer read, or None."""
    if indicator.source_metric is None:
        return None
    metric = SourceMetric(indicator.source_metric)
    if metric.source is Source.SURVEY and indicator.source_campaign is not None:
        return None
    return metric


def live_figure(
    metric: SourceMetric,
    region_code: str,
    survey: OrgUnitAggregates | None,
    roadmaps: RegionsExecution | None,
) -> Figure | None:
    """The figure of ``metric`` for the region from the report's peer answers; None when that peer
    did not answer (or left the region out)."""
    if metric.source is Source.SURVEY:
        if survey is None:
            return None
        row = next((r for r in survey.rows if r.org_unit_code == region_code), None)
        return None if row is None else survey_figure(row, metric)
    if roadmaps is None:
        return None
    region = next((r for r in roadmaps.regions if r.region_code == region_code), None)
    if region is None:  # no roadmap in the region: nothing due
        return execution_figure(0, 0)
    return execution_figure(completed_of(region.total), region.total.due)


def with_figure(row: ReportIndicator, indicator: Indicator, figure: Figure, read_at: datetime) -> ReportIndicator:
    """The report row of a pulled indicator rebuilt from a live figure (status against the same target)."""
    value = present(figure.value, indicator.precision)
    verdict = status_vs_target(
        value,
        row.target,
        Direction(indicator.direction),
        Thresholds(indicator.on_track_ratio, indicator.at_risk_ratio),
    )
    return row.model_copy(
        update={
            "value": value,
            "reason": None if value is not None else figure.reason,
            "status": verdict.status,
            "numerator": plain(figure.numerator),
            "denominator": plain(figure.denominator),
            "n": figure.n,
            "sample_ok": figure.sample_ok,
            "dont_know": figure.dont_know,
            "data_as_of": read_at,
        }
    )
