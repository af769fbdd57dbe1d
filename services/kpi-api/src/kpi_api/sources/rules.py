"""Pure rules of pulled indicator values: how an indicator maps to a survey or roadmap figure, and
how a peer's counts become a value (a ratio of counts, so that it also rolls up correctly).

- ``satisfaction_share`` (source ``survey``): ``satisfied ÷ satisfaction_answered × 100`` of
  ``q1_process`` in the org unit's subtree, over ``source_campaign``, or without one over the responses
  to the national questionnaire ``nsi-standard`` only (survey-api's campaign-less roll-up: another
  questionnaire never mixes in). ``dont_know`` answers are not in the denominator (the national
  method has four answers) and are kept beside the value;
- ``nps`` (source ``survey``): ``(promoters − detractors) ÷ answered × 100``;
- ``execution_pct`` (source ``roadmap``): tasks completed by the period's end ÷ tasks due by then
  × 100 over every roadmap of the region (threshold 90 %);
- ``followup_48h`` (source ``roadmap``): detractors (NPS 0–6 with a comment) whose follow-up was done
  within 48 h of the response ÷ those detractors × 100, from roadmap-api's follow-up summary per org
  unit; a municipality, region or the federation sums its organisations' counts (never averages
  their shares). CX practice takes about 80 % as realistic; the figure is whatever roadmap-api counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from kpi_api.indicators.rules import IndicatorKind, Periodicity, Source, can_report_for
from zdrav_shared.contracts.execution import ExecutionFigure
from zdrav_shared.contracts.survey import OrgUnitAggregateRow
from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.problems import Unprocessable

HUNDRED = Decimal(100)


class SourceMetric(StrEnum):
    """Which peer figure an indicator with source ``survey`` or ``roadmap`` takes."""

    SATISFACTION_SHARE = "satisfaction_share"
    NPS = "nps"
    EXECUTION_PCT = "execution_pct"
    FOLLOWUP_48H = "followup_48h"

    @property
    def source(self) -> Source:
        return Source.ROADMAP if self in (SourceMetric.EXECUTION_PCT, SourceMetric.FOLLOWUP_48H) else Source.SURVEY


def check_mapping(
    kind: IndicatorKind, source: Source, metric: SourceMetric | None, campaign: str | None
) -> SourceMetric | None:
    """The metric to store for an indicator (``execution_pct`` is implied for ``roadmap``), or a 422
    pointing at the field that does not fit. A ``survey`` indicator without a metric is not pulled:
    its values are entered like a manual one's. ``population`` belongs to the built-in inputs
    POPULATION_ATTACHED and POPULATION_RESIDENT alone (their values are the population figures)."""
    if source is Source.POPULATION:
        raise Unprocessable(
            "source population is reserved for the built-in POPULATION_ATTACHED and POPULATION_RESIDENT; "
            "use them in formulas",
            pointer="/source",
        )
    if source is Source.MANUAL:
        if metric is not None:
            raise Unprocessable("source_metric needs source survey or roadmap", pointer="/source_metric")
        if campaign is not None:
            raise Unprocessable("source_campaign needs source survey", pointer="/source_campaign")
        return None
    if source is Source.ROADMAP:
        metric = metric or SourceMetric.EXECUTION_PCT
        if campaign is not None:
            raise Unprocessable("source_campaign needs source survey", pointer="/source_campaign")
    if metric is not None and metric.source is not source:
        raise Unprocessable(
            f"source_metric {metric.value} comes from {metric.source.value}, not {source.value}",
            pointer="/source_metric",
        )
    if campaign is not None and metric is None:
        raise Unprocessable("source_campaign goes with a source_metric", pointer="/source_campaign")
    if metric is not None and kind is not IndicatorKind.INPUT:
        raise Unprocessable("a pulled indicator is an input, not a formula", pointer="/kind")
    return metric


@dataclass(frozen=True, slots=True)
class Figure:
    """A pulled value with the counts behind it (``value = numerator ÷ denominator × 100``)."""

    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    n: int | None
    sample_ok: bool | None
    reason: str | None = None
    dont_know: int | None = None


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    return None if denominator == 0 else Decimal(numerator) * HUNDRED / denominator


def survey_figure(row: OrgUnitAggregateRow, metric: SourceMetric) -> Figure:
    """The value of a survey metric from an org unit's counts (unrounded)."""
    if metric is SourceMetric.SATISFACTION_SHARE:
        numerator, denominator = row.satisfied, row.satisfaction_answered
    elif metric is SourceMetric.NPS:
        numerator, denominator = row.promoters - row.detractors, row.promoters + row.passives + row.detractors
    else:
        raise ValueError(f"{metric.value} is not a survey metric")
    value = _ratio(numerator, denominator)
    return Figure(
        value,
        Decimal(numerator),
        Decimal(denominator),
        row.n,
        row.sample_ok,
        None if value is not None else "no_responses",
        row.dont_know if metric is SourceMetric.SATISFACTION_SHARE else None,
    )


def execution_figure(completed: int, due: int) -> Figure:
    """Plan execution from task counts (``completed`` on time or late by the day, of ``due``)."""
    value = _ratio(completed, due)
    return Figure(value, Decimal(completed), Decimal(due), due, None, None if value is not None else "nothing_due")


def followup_figure(within_48h: int, detractors: int) -> Figure:
    """The share of detractors followed up within 48 h from the counts (``n`` the detractors)."""
    value = _ratio(within_48h, detractors)
    return Figure(
        value,
        Decimal(within_48h),
        Decimal(detractors),
        detractors,
        None,
        None if value is not None else "no_detractors",
    )


def followup_counts(unit_path: str, rows: Iterable[tuple[str, int, int]]) -> tuple[int, int]:
    """Σ (within 48 h, detractors) of the org-unit rows ``(path, within, detractors)`` inside the
    subtree at ``unit_path``: Σ numerators and Σ denominators, so a parent's share is never a mean of
    its children's."""
    within = detractors = 0
    for path, row_within, row_detractors in rows:
        if path.startswith(unit_path):
            within, detractors = within + row_within, detractors + row_detractors
    return within, detractors


def completed_of(figure: ExecutionFigure) -> int:
    return figure.completed_on_time + figure.completed_late


def as_of_for(period: Period, today: date) -> date | None:
    """The day a period's execution is judged on: its last day, or today while it runs; None for a
    period that has not begun."""
    if period.start > today:
        return None
    return min(period.end, today)


def pullable(period: Period, periodicity: Periodicity) -> bool:
    """A value can be pulled for periods of the indicator's periodicity or coarser."""
    return can_report_for(period, periodicity)


def periods_to_refresh(today: date, target_years: Iterable[int] = ()) -> list[Period]:
    """What the periodic refresh pulls: the running quarter and the one before (still being
    reported) and the running year; plus, for the years the pulled indicators have targets in (this
    year and the last one only), each such year and its quarters up to today — the periods a region
    is measured against and the quarterly report asks for."""
    current = Period.containing(today, PeriodType.QUARTER)
    periods = {current.previous(), current, Period.containing(today, PeriodType.YEAR)}
    for year in set(target_years):
        if today.year - 1 <= year <= today.year:
            year_period = Period.year_of(year)
            periods.add(year_period)
            periods |= {q for q in year_period.children(PeriodType.QUARTER) if q.start <= today}
    return sorted(periods, key=lambda p: (p.start, -p.type.months))
