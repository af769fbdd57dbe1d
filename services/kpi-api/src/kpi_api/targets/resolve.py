"""Which target applies to a value: an exact one, or one derived from the quarter's or year's target."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

from kpi_api.indicators.rules import Aggregation
from kpi_api.targets.rules import period_share_target, year_to_date_target
from zdrav_shared.periods import Period, PeriodType


def target_for(
    period: Period,
    known: Mapping[str, Decimal | None],
    time_aggregation: Aggregation | None,
    *,
    ytd: bool = False,
) -> tuple[Decimal | None, str | None]:
    """The target for ``period`` (or the year to date up to it) from the targets ``known`` by period code.

    Returns the target and the period code whose target it was derived from. Formula indicators (no
    ``time_aggregation``) are rates: a year target holds in every part of the year. Cumulative
    (``sum``) inputs get the pro-rata share (see :mod:`kpi_api.targets.rules`).
    """
    method = time_aggregation or Aggregation.AVERAGE
    year_code = str(period.year)
    year_target = known.get(year_code)
    if ytd and period.type is not PeriodType.YEAR:
        if year_target is None:
            return None, None
        return year_to_date_target(year_target, period, method), year_code
    exact = known.get(period.code)
    if exact is not None:
        return exact, period.code
    if period.type is PeriodType.MONTH:
        quarter = period.parent(PeriodType.QUARTER)
        quarter_target = known.get(quarter.code)
        if quarter_target is not None:
            if method is Aggregation.SUM:
                with localcontext() as ctx:
                    ctx.prec = 34
                    return quarter_target / 3, quarter.code
            return quarter_target, quarter.code
    if period.type is not PeriodType.YEAR and year_target is not None:
        return period_share_target(year_target, period, method), year_code
    return None, None
