"""HTTP layer of charts: PNG or SVG rendered on the server, or the figures drawn (json)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from survey_api.charts.schemas import ChartFile, SatisfactionChart
from survey_api.charts.service import ChartService, render
from survey_api.deps import Caller, ReadSession
from zdrav_shared.charts import ChartFormat, image_response
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/charts", tags=["charts"])

IMAGES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/png": {}, "image/svg+xml": {}},
        "description": "The chart (png, svg) or the figures it draws (json)",
    },
    304: {"description": "The client's copy (If-None-Match) is current"},
}


@router.get(
    "/satisfaction.{format}",
    response_model=SatisfactionChart,
    operation_id="get_satisfaction_chart",
    summary="Satisfaction and NPS per org unit with their 95 % intervals (PNG, SVG or the figures)",
    responses={**IMAGES, **problem_responses(401, 403, 404, 422, 503)},
)
async def get_satisfaction_chart(
    request: Request,
    session: ReadSession,
    caller: Caller,
    format: ChartFile,
    campaign: Annotated[str, Query(max_length=64, description="Campaign code")],
    org_unit: Annotated[str, Query(max_length=64, description="The org units with responses in this subtree")],
    period: Annotated[str, Query(max_length=10, examples=["2025Q2"], description="2025, 2025Q2 or 2025-04")],
) -> Response:
    """The rows of `GET /v1/aggregates?group_by=org_unit` side by side: satisfaction share (0–100 %)
    and NPS (−100…100) of each org unit as a point with its 95 % interval; an org unit whose sample is
    below the campaign's minimum (`sample_ok` false) is drawn hollow and labelled «малая выборка» with
    its n. Labels in Russian. `.json` answers the rows drawn. Images carry an `ETag`; `If-None-Match`
    with it gives 304. Scope as in aggregates."""
    service = ChartService(session, request.app.state.campaigns, request.app.state.org_units)
    chart = await service.satisfaction(caller, campaign, org_unit, period)
    if format is ChartFile.JSON:
        return Response(chart.model_dump_json(), media_type="application/json")
    fmt = ChartFormat(format.value)
    return image_response(request, await render(chart, fmt), fmt)
