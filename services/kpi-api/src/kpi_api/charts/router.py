"""HTTP layer of charts: PNG or SVG rendered on the server, or the figures drawn (json)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from kpi_api.analytics.params import MAX_PERIODS
from kpi_api.analytics.schemas import DataFilter
from kpi_api.charts.schemas import ChartFile, LeagueChart, TrendChart
from kpi_api.charts.service import ChartService, render_league, render_trend
from kpi_api.deps import Caller, Clock, ReadSession
from zdrav_shared.charts import ChartFormat, image_response
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.db import CommittingRoute
from zdrav_shared.periods import MIN_YEAR, InvalidPeriod, Period, iter_periods
from zdrav_shared.problems import Unprocessable, problem_responses

router = APIRouter(prefix="/v1/charts", tags=["charts"], route_class=CommittingRoute)

IMAGES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/png": {}, "image/svg+xml": {}},
        "description": "The chart (png, svg) or the figures it draws (json)",
    },
    304: {"description": "The client's copy (If-None-Match) is current"},
}

Data = Annotated[DataFilter, Query(description="Values read, as in analytics: submitted (default), approved, or all")]


def _period(text: str, pointer: str) -> Period:
    try:
        period = Period.parse(text)
    except InvalidPeriod as exc:
        raise Unprocessable(str(exc), pointer=pointer) from exc
    if period.year < MIN_YEAR + 2:
        raise Unprocessable(f"analytics start in {MIN_YEAR + 2}", pointer=pointer)
    return period


def _periods(periods: str | None, first: str | None, last: str | None) -> list[Period]:
    if periods:
        parsed = [_period(p.strip(), "/query/periods") for p in periods.split(",") if p.strip()]
    elif first and last:
        start, end = _period(first, "/query/from"), _period(last, "/query/to")
        try:
            parsed = list(iter_periods(start, end))[: MAX_PERIODS + 1]
        except InvalidPeriod as exc:
            raise Unprocessable(str(exc), pointer="/query/to") from exc
    else:
        raise Unprocessable("give periods, or from and to", pointer="/query/periods")
    if not parsed:
        raise Unprocessable("name at least one period", pointer="/query/periods")
    if len(parsed) > MAX_PERIODS:
        raise Unprocessable(f"at most {MAX_PERIODS} periods per chart", pointer="/query/periods")
    return list(dict.fromkeys(parsed))


@router.get(
    "/indicator.{format}",
    response_model=TrendChart,
    operation_id="get_indicator_chart",
    summary="An indicator's trend for an org unit against its target or range (PNG, SVG or the figures)",
    responses={**IMAGES, **problem_responses(401, 403, 422)},
)
async def get_indicator_chart(
    request: Request,
    session: ReadSession,
    caller: Caller,
    clock: Clock,
    format: ChartFile,
    indicator: Annotated[str, Query(max_length=64, description="Indicator code")],
    org_unit: Annotated[str, Query(max_length=64, description="The unit whose whole subtree is drawn")],
    periods: Annotated[
        str | None, Query(max_length=2_000, description="Periods, comma-separated, in the order drawn")
    ] = None,
    first: Annotated[str | None, Query(alias="from", max_length=10, description="Instead of periods: first")] = None,
    last: Annotated[str | None, Query(alias="to", max_length=10, description="… and last period (same type)")] = None,
    data: Data = DataFilter.SUBMITTED,
) -> Response:
    """The values of `GET /v1/analytics` for one indicator and org unit over the periods (`periods`, or
    every period `from`…`to`): a line of the values, the target as a dashed line, a target range as a
    band; a period without a value breaks the line and is marked «нет данных». Labels in Russian.
    `.json` answers the figures drawn. Images carry an `ETag`; `If-None-Match` with it gives 304.
    Scope as in analytics (an org unit outside it: 403)."""
    chart = await ChartService(session, clock).trend(caller, indicator, org_unit, _periods(periods, first, last), data)
    if format is ChartFile.JSON:
        return Response(chart.model_dump_json(), media_type="application/json")
    fmt = ChartFormat(format.value)
    return image_response(request, await render_trend(chart, fmt), fmt)


@router.get(
    "/league.{format}",
    response_model=LeagueChart,
    operation_id="get_league_chart",
    summary="The units below a parent ranked for one indicator and period, coloured by status",
    responses={**IMAGES, **problem_responses(401, 403, 422)},
)
async def get_league_chart(
    request: Request,
    session: ReadSession,
    caller: Caller,
    clock: Clock,
    format: ChartFile,
    indicator: Annotated[str, Query(max_length=64, description="Indicator code")],
    parent: Annotated[str, Query(max_length=64, description="RU ranks the regions; a region its municipalities")],
    period: Annotated[str, Query(max_length=10, examples=["2025Q2"], description="One period")],
    level: Annotated[OrgUnitLevel | None, Query(description="Rank the units of this level (default children)")] = None,
    data: Data = DataFilter.SUBMITTED,
) -> Response:
    """The rows of `GET /v1/analytics?parent=…` for one indicator and period as horizontal bars, best
    first by the indicator's direction, coloured by status against target (achieved, on track, at risk,
    off track, no target, no data); units without a value last. A regional caller ranking under `RU`
    sees its own region only. `.json` answers the rows drawn; images carry an `ETag` (304 on a match)."""
    service = ChartService(session, clock)
    chart = await service.league(caller, indicator, parent, _period(period, "/query/period"), level, data)
    if format is ChartFile.JSON:
        return Response(chart.model_dump_json(), media_type="application/json")
    fmt = ChartFormat(format.value)
    return image_response(request, await render_league(chart, fmt), fmt)
