"""HTTP layer of the New-model report (CONTRACT.md: /v1/lean-reports)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from kpi_api.codes import CODE
from kpi_api.deps import Caller, RegionWriter, Session
from kpi_api.lean_reports.export import to_csv, to_xlsx
from kpi_api.lean_reports.form import form
from kpi_api.lean_reports.schemas import LeanForm, LeanReportPut, LeanReportRead, LeanSummary
from kpi_api.lean_reports.service import LeanReportService, form_read
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.ownership import DefinitionChange
from zdrav_shared.problems import problem_responses
from zdrav_shared.spreadsheets import Dialect

router = APIRouter(prefix="/v1/lean-reports", tags=["lean-reports"], route_class=CommittingRoute)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RegionCode = Annotated[
    str, Path(max_length=64, pattern=CODE, description="A region's code, or RU for federation-level figures")
]
AsOf = Annotated[date, Path(description="The report date, e.g. 2019-07-01 for the first half of 2019")]


class SummaryFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@router.get(
    "/form",
    response_model=LeanForm,
    operation_id="get_lean_report_form",
    summary="The New-model report form: tables 1–3, row types, graphs, «х» cells",
    responses=problem_responses(401),
)
async def get_lean_report_form(caller: Caller) -> LeanForm:
    """Tables 1–3 of the federal centre's report on the New model of a medical organisation: per graph
    its Russian name, group header, unit, before/after phase, how totals add up (`sum`, `ratio_of_sums`,
    `mean`), whether it is entered as a number or as counts (percent graphs), and the row types for which
    it is «х» (not applicable)."""
    return form_read()


@router.get(
    "/summary",
    response_model=LeanSummary,
    operation_id="get_lean_report_summary",
    summary="New-model report totals for the federation (or a region) on a date",
    responses={
        200: {
            "content": {"text/csv": {}, XLSX: {}},
            "description": "The totals (JSON), one cell a line (CSV), or the printed layout (XLSX)",
        },
        **problem_responses(401, 403, 422),
    },
)
async def get_lean_report_summary(
    session: Session,
    caller: Caller,
    as_of: Annotated[date, Query(description="The report date")],
    region: Annotated[
        str | None, Query(max_length=64, pattern=CODE, description="One region; default all you may see")
    ] = None,
    format: Annotated[
        SummaryFormat, Query(description="json; csv (one cell a line); xlsx in the printed layout")
    ] = SummaryFormat.JSON,
    dialect: Annotated[Dialect, Query(description="CSV: excel (Russian Excel) or plain")] = Dialect.EXCEL,
) -> Response:
    """Every cell of tables 1–3 per row type: counts summed; percent graphs as a ratio of sums (Σ numerator
    ÷ Σ denominator × 100, with the summed counts); times and visits as the mean over the reports, weighted
    by the participating organisations of table 1 graph 2 when every report gave them (`weighted`). `n`
    counts the reports giving the cell; «х» cells are `not_applicable`. A federal caller gets the
    federation; others the regions of their scope (`region` outside it: 403)."""
    summary = await LeanReportService(session).summary(caller, as_of, region)
    name = f"lean-report-{as_of.isoformat()}" + (f"-{region}" if region else "")
    if format is SummaryFormat.XLSX:
        headers = {"Content-Disposition": f'attachment; filename="{name}.xlsx"'}
        return Response(to_xlsx(summary, form()), media_type=XLSX, headers=headers)
    if format is SummaryFormat.CSV:
        headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        return Response(to_csv(summary, form(), dialect), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(summary.model_dump_json(), media_type="application/json")


@router.put(
    "/{region_code}/{as_of}",
    response_model=LeanReportRead,
    operation_id="put_lean_report",
    summary="Enter a region's New-model report for a date (replaces it)",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def put_lean_report(
    region_code: RegionCode,
    as_of: AsOf,
    body: LeanReportPut,
    session: Session,
    caller: RegionWriter,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> LeanReportRead:
    """The report becomes exactly the rows sent (one per table and row type). Count graphs take whole
    numbers, times and visits numbers, percent graphs their counts `{numerator, denominator}` (a bare share
    is 422); a value in an «х» cell is 422 — each with a pointer to the cell. A date is entered per region
    or once for the federation (`RU`, federal only, for figures known only as totals), not both (409).
    Writers: federal, and regional_admin for its region. Audited."""
    read = await LeanReportService(session).put(caller, region_code, as_of, body, if_match)
    response.headers["ETag"] = etag(read.version)
    return read


@router.get(
    "/{region_code}/{as_of}",
    response_model=LeanReportRead,
    operation_id="get_lean_report",
    summary="A region's New-model report for a date, as entered",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_lean_report(
    region_code: RegionCode, as_of: AsOf, session: Session, caller: Caller, response: Response
) -> LeanReportRead:
    """Readable inside the caller's scope (another region: 403)."""
    read = await LeanReportService(session).get(caller, region_code, as_of)
    response.headers["ETag"] = etag(read.version)
    return read


@router.get(
    "/{region_code}/{as_of}/history",
    response_model=list[DefinitionChange],
    operation_id="list_lean_report_changes",
    summary="Who entered or changed a region's New-model report, when, and why",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_lean_report_changes(
    region_code: RegionCode, as_of: AsOf, session: Session, caller: Caller
) -> list[DefinitionChange]:
    """Oldest first; `before` and `after` list the cells as `[table, row_type, graph, value, numerator,
    denominator]`."""
    return await LeanReportService(session).history(caller, region_code, as_of)
