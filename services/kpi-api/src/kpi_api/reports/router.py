"""HTTP layer of the federal quarterly report (CONTRACT.md: GET /v1/reports/quarterly)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from kpi_api.deps import Clock, Session
from kpi_api.reports.export import to_csv, to_xlsx
from kpi_api.reports.schemas import QuarterlyReport, ReportFormat
from kpi_api.reports.service import READERS, QuarterlyReportService
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

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
            "description": "The report (JSON), or its flat region × indicator table as CSV or XLSX",
        },
        **problem_responses(401, 403, 422),
    },
)
async def get_quarterly_report(
    request: Request,
    session: Session,
    caller: ReportReader,
    clock: Clock,
    period: Annotated[str, Query(max_length=10, examples=["2025Q2"], description="A quarter")],
    region: Annotated[str | None, Query(max_length=64, description="One region; default every region")] = None,
    format: Annotated[ReportFormat, Query(description="json, csv (UTF-8 with BOM) or xlsx")] = ReportFormat.JSON,
) -> Response:
    """Per region: every active indicator of a quarterly (or finer) periodicity computed in SQL over
    the region's subtree with target and status (`GET /v1/analytics` for all regions at once;
    survey and roadmap indicators with their pulled `n`, `sample_ok` and `data_as_of`); the
    `survey` section (satisfaction share, NPS with its interval, sample, over every campaign, from
    survey-api); the `roadmaps` section (plan execution over all roadmaps of the region as of the
    quarter's end, overdue tasks, from roadmap-api); and `completeness` of the organisations'
    reports. Both peers are asked once, concurrently, while the database works; one that does not
    answer within `KPI_REPORT_PEER_BUDGET_S` (default 3 s) leaves its section null in every region and
    is named in `sections_unavailable` — the report never waits longer. `federal` for every region;
    `regional_admin` for its own region (another region is a 403)."""
    settings = request.app.state.settings
    service = QuarterlyReportService(session, request.app.state.peers, clock, settings.report_peer_budget_s)
    report = await service.build(caller, period, region)
    stamp = f"quarterly-{report.period}" + (f"-{region}" if region else "")
    if format is ReportFormat.CSV:
        headers = {"Content-Disposition": f'attachment; filename="{stamp}.csv"'}
        return Response(to_csv(report), media_type="text/csv; charset=utf-8", headers=headers)
    if format is ReportFormat.XLSX:
        headers = {"Content-Disposition": f'attachment; filename="{stamp}.xlsx"'}
        return Response(to_xlsx(report), media_type=XLSX, headers=headers)
    return Response(report.model_dump_json(), media_type="application/json")
