"""HTTP layer of exports."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from survey_api.aggregates.service import parse_query_period, resolve_subtree
from survey_api.campaigns.errors import CampaignNotFound
from survey_api.deps import ReadSession
from survey_api.exports.repository import stream_responses
from survey_api.exports.service import csv_stream, xlsx_stream
from zdrav_shared.auth import Principal, Role, role_required
from zdrav_shared.problems import problem_responses
from zdrav_shared.replica import read_engine
from zdrav_shared.spreadsheets import Dialect

router = APIRouter(prefix="/v1/exports", tags=["exports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_ROLES = (Role.FEDERAL, Role.REGIONAL_ADMIN, Role.ANALYST, Role.MO_OPERATOR, Role.SERVICE)
Exporter = Annotated[Principal, Depends(role_required(*EXPORT_ROLES))]


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@router.get(
    "/responses",
    operation_id="export_responses",
    summary="Export a campaign's responses for a period as CSV or XLSX",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}, XLSX: {}}, "description": "The responses, one row each"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def export_responses(
    request: Request,
    session: ReadSession,
    caller: Exporter,
    campaign: Annotated[str, Query(max_length=64)],
    period: Annotated[str, Query(max_length=10, description="2025, 2025Q2 or 2025-04")],
    org_unit: Annotated[str, Query(max_length=64, description="The export covers this unit's subtree")] = "RU",
    format: ExportFormat = ExportFormat.CSV,
    dialect: Annotated[
        Dialect, Query(description="excel: Russian Excel (; , decimal comma, Russian headers and words); plain")
    ] = Dialect.EXCEL,
) -> StreamingResponse:
    """One row per response in the caller's scope: id, org unit, channel, `entered_by` (respondent or
    operator), device and server times, clock skew, local month, `screened_out` (a screening «no» keeps
    the response out of the aggregates; such responses are exported all the same), then one column per
    question (multiple choices joined by `;`). By default what a Russian Excel opens with a
    double-click: CSV with `;`, decimal commas, a BOM, Russian headers and the answers in words; XLSX
    with real dates (UTC), a frozen header row and widths. `dialect=plain` keeps English column names,
    answer codes, `,` and ISO times. Cells starting with `=`, `+`, `-` or `@` get a leading `'` so that
    spreadsheets do not run them as formulas. Streamed from a server-side cursor."""
    parsed = parse_query_period(period)
    context = await request.app.state.campaigns.get(session, campaign)
    if context is None:
        raise CampaignNotFound(campaign)
    await resolve_subtree(caller, context, org_unit, request.app.state.org_units)
    batches = stream_responses(
        read_engine(session),
        campaign_id=context.id,
        period=parsed,
        subtree_code=org_unit,
        scope_codes=None if caller.is_federal else sorted(caller.scope_org_units),
    )
    codes = [q.code for q in context.definition.questions]
    name = f"{context.code}_{parsed.code}_{org_unit}.{format.value}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format is ExportFormat.XLSX:
        return StreamingResponse(xlsx_stream(batches, codes, dialect), media_type=XLSX, headers=headers)
    return StreamingResponse(csv_stream(batches, codes, dialect), media_type="text/csv; charset=utf-8", headers=headers)
