"""HTTP layer of the target-setting helper: GET /v1/indicators/{code}/suggested-target."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query

from kpi_api.codes import CODE, PERIOD
from kpi_api.deps import Caller, Clock, Session
from kpi_api.suggested_targets.schemas import SuggestedTarget
from kpi_api.suggested_targets.service import SuggestedTargetService
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/indicators", tags=["targets"], route_class=CommittingRoute)


@router.get(
    "/{code}/suggested-target",
    response_model=SuggestedTarget,
    operation_id="get_suggested_target",
    summary="The national method's next target: current + 25 % of the gap to the long-term level",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_suggested_target(
    code: Annotated[str, Path(max_length=64, pattern=CODE)],
    session: Session,
    caller: Caller,
    clock: Clock,
    org_unit: Annotated[str, Query(max_length=64, pattern=CODE, description="The org unit (its whole subtree)")],
    period: Annotated[
        str, Query(max_length=10, pattern=PERIOD, examples=["2025Q2", "2025"], description="The current period")
    ],
    long_term: Annotated[
        Decimal | None, Query(allow_inf_nan=False, max_digits=20, decimal_places=6, description="The long-term level")
    ] = None,
) -> SuggestedTarget:
    """Current = the indicator's value for the org unit and period as `GET /v1/analytics` computes it.
    Suggested = current + 25 % × (long-term − current): a higher-is-better share of 60 with a long-term
    90 gives 67.5; a lower-is-better waiting time of 30 minutes with a long-term 10 gives 25 (the gap is
    closed downwards). At or beyond the long-term level the target is the current value. The long-term
    level is `long_term` when given, else the target furthest ahead for the org unit (`long_term_source`
    says which); neither is a 422. survey-api's suggested satisfaction and NPS targets use the same rule.
    Org units outside the caller's scope: 403."""
    return await SuggestedTargetService(session, clock).suggest(caller, code, org_unit, period, long_term)
