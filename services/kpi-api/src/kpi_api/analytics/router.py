"""HTTP layer of analytics."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from kpi_api.analytics.export import to_csv, to_xlsx
from kpi_api.analytics.params import analytics_query
from kpi_api.analytics.rows import answer_json
from kpi_api.analytics.schemas import AnalyticsAnswer
from kpi_api.analytics.service import AnalyticsQuery, AnalyticsService
from kpi_api.deps import Caller, Clock, ReadSession
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses
from zdrav_shared.replica import data_as_of
from zdrav_shared.spreadsheets import Dialect

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], route_class=CommittingRoute)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@router.get(
    "",
    response_model=AnalyticsAnswer,
    operation_id="get_analytics",
    summary="Indicator values, targets and statuses over org units and periods",
    responses=problem_responses(401, 403, 422),
)
async def get_analytics(
    query: Annotated[AnalyticsQuery, Depends(analytics_query)], session: ReadSession, caller: Caller, clock: Clock
) -> Response:
    """One row per indicator × org unit × period. An org unit's value aggregates its whole subtree
    (`aggregation` over org units, after `time_aggregation` over the finer periods inside the period
    asked for); formula indicators are evaluated on the aggregated inputs (ratio of sums) and carry
    `numerator` and `denominator`. `ytd=true` reads January up to each period. `kind` and
    `subordination` (comma-separated) roll up only the org units of those kinds or subordinations
    (figures a peer computed for a whole subtree — survey, roadmaps — then have no value). `parent` with `level`
    reports on every unit of that level below the parent (e.g. `parent=RU-MUR&level=municipality`).
    `data` picks the values read: `submitted` (submitted and approved, the default), `approved` (what the
    federal report shows), `all` (drafts too — only for users of the region asked about; others 403).
    An indicator with a reporting level reads values of that level only; one without reads every level
    but never adds a unit's own value to the values below it. Ratio inputs roll up as Σ numerator ÷
    Σ denominator × scale, over org units and over time. `deviation` = value − target, `deviation_pct`
    = deviation ÷ target × 100. Only org units inside the caller's scope (others: 403). Computed in the
    database."""
    rows, read_at = await AnalyticsService(session, clock).run_json(caller, query)
    # Written directly from the rows' JSON: they are built from checked values and can be many thousands.
    return Response(answer_json(rows, query.data, data_as_of(session, read_at)), media_type="application/json")


@router.get(
    "/export",
    operation_id="export_analytics",
    summary="Analytics as CSV or XLSX",
    responses={
        200: {"content": {"text/csv": {}, XLSX: {}}, "description": "The analytics rows as a file"},
        **problem_responses(401, 403, 422),
    },
)
async def export_analytics(
    query: Annotated[AnalyticsQuery, Depends(analytics_query)],
    session: ReadSession,
    caller: Caller,
    clock: Clock,
    format: Annotated[ExportFormat, Query(description="csv (UTF-8 with BOM) or xlsx")] = ExportFormat.CSV,
    dialect: Annotated[
        Dialect, Query(description="excel: Russian Excel (; , decimal comma, Russian headers, да/нет); plain: English")
    ] = Dialect.EXCEL,
) -> Response:
    """The rows of `GET /v1/analytics` with the same parameters as a spreadsheet file. By default what a
    Russian Excel opens with a double-click: CSV with `;`, decimal commas, a BOM, Russian headers and
    `да`/`нет`; XLSX with Russian headers, a frozen header row and column widths. `dialect=plain` keeps
    the English column names, `,` and decimal points."""
    answer = await AnalyticsService(session, clock).run(caller, query)
    answer.data_as_of = data_as_of(session, answer.data_as_of)
    stamp = answer.data_as_of.strftime("%Y%m%d-%H%M")
    if format is ExportFormat.XLSX:
        headers = {"Content-Disposition": f'attachment; filename="analytics-{stamp}.xlsx"'}
        return Response(to_xlsx(answer.rows, dialect), media_type=XLSX, headers=headers)
    headers = {"Content-Disposition": f'attachment; filename="analytics-{stamp}.csv"'}
    return Response(to_csv(answer.rows, dialect), media_type="text/csv; charset=utf-8", headers=headers)
