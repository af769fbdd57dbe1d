"""HTTP layer of the federal quarterly report (CONTRACT.md: GET /v1/reports/quarterly)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from kpi_api.deps import Clock, ReadSession
from kpi_api.reports.export import to_csv, to_xlsx
from kpi_api.reports.schemas import QuarterlyReport, ReportFormat
from kpi_api.reports.service import READERS, QuarterlyReportService
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses
from zdrav_shared.replica import data_as_of
from zdrav_shared.spreadsheets import Dialect

router = APIRouter(prefix="/v1/reports", tags=["reports"], route_class=CommittingRoute)

ReportReader = Annotated[Principal, Depends(role_required(*READERS))]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/quarterly",
    response_model=QuarterlyReport,
    operation_id="get_quarterly_report",
    summary="The federal quarterly report: every region's indicators, survey, roadmaps and completeness",
    responses={
        200: {
            "content": {"text/csv": {}, XLSX: {}},
            "description": "The report (JSON), its flat region × indicator table (CSV), or its sections as XLSX sheets",
        },
        **problem_responses(401, 403, 422),
    },
)
async def get_quarterly_report(
    request: Request,
    session: ReadSession,
    caller: ReportReader,
    clock: Clock,
    period: Annotated[str, Query(max_length=10, examples=["2025Q2"], description="A quarter")],
    region: Annotated[str | None, Query(max_length=64, description="One region; default every region")] = None,
    format: Annotated[ReportFormat, Query(description="json, csv (UTF-8 with BOM) or xlsx")] = ReportFormat.JSON,
    dialect: Annotated[
        Dialect, Query(description="Files: excel (Russian Excel: ; , decimal comma, Russian headers) or plain")
    ] = Dialect.EXCEL,
) -> Response:
    """Per region: every active indicator of a quarterly (or finer) periodicity — the federal ones and
    the region's own — computed in SQL over the region's subtree from **approved values only**, with
    target and status (`GET /v1/analytics?data=approved` for all regions at once), and how many org
    units' approved values each figure rests on (`approved_units`) of those expected to report it
    (`expected_units`: the region's active units of the indicator's reporting level, organisations when
    it has none); the `survey` section (satisfaction share with `dont_know` beside it, NPS with its
    interval, sample, over the national questionnaire `nsi-standard`, from survey-api); the `roadmaps`
    section (plan execution over all roadmaps of the region as of the quarter's end, overdue tasks, from
    roadmap-api); and `completeness` of the reports expected (received, `approved`, late, drafts — the
    same units as `expected_units`). Both peers are asked once, concurrently, while the database works,
    and the pulled indicators (satisfaction, NPS, plan execution) are computed from those same answers,
    so a figure never differs between a section and an indicator row. A peer that does not answer
    within `KPI_REPORT_PEER_BUDGET_S` (default 3 s) leaves its section null in every region and is named
    in `sections_unavailable` (its indicators then show their last pulled value with its `data_as_of`) —
    the report never waits longer. Files: CSV is the flat region × indicator table, XLSX has the sheets
    indicators, survey, roadmaps and completeness; both in the Russian Excel form unless `dialect=plain`.
    `federal` for every region; `regional_admin` for its own region (another region is a 403)."""
    settings = request.app.state.settings
    service = QuarterlyReportService(session, request.app.state.peers, clock, settings.report_peer_budget_s)
    report = await service.build(caller, period, region)
    report.data_as_of = data_as_of(session, report.generated_at)
    stamp = f"quarterly-{report.period}" + (f"-{region}" if region else "")
    if format is ReportFormat.CSV:
        headers = {"Content-Disposition": f'attachment; filename="{stamp}.csv"'}
        return Response(to_csv(report, dialect), media_type="text/csv; charset=utf-8", headers=headers)
    if format is ReportFormat.XLSX:
        headers = {"Content-Disposition": f'attachment; filename="{stamp}.xlsx"'}
        return Response(to_xlsx(report, dialect), media_type=XLSX, headers=headers)
    return Response(report.model_dump_json(), media_type="application/json")
