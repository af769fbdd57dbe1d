"""HTTP layer of targets and baselines (under their indicator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kpi_api.audit.schemas import AuditEventRead
from kpi_api.deps import Caller, Session
from kpi_api.indicators.service import CATALOGUE_WRITERS
from kpi_api.targets.schemas import TargetRead, TargetsPut, TargetsResult
from kpi_api.targets.service import TargetService
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/indicators", tags=["targets"], route_class=CommittingRoute)

CatalogueWriter = Annotated[Principal, Depends(role_required(*CATALOGUE_WRITERS))]


@router.put(
    "/{code}/targets",
    response_model=TargetsResult,
    operation_id="put_targets",
    summary="Set targets and baselines (bulk upsert)",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def put_targets(code: str, body: TargetsPut, session: Session, caller: CatalogueWriter) -> TargetsResult:
    """Create or replace the target (and baseline) of org units for years or quarters. All items apply
    or none: a bad item is a 422 whose pointer names it, an org unit outside the caller's scope a 403.
    Every change is kept in the audit trail. Writers: `federal`, `regional_admin` (within scope)."""
    return await TargetService(session).put(caller, code, body)


@router.get(
    "/{code}/targets",
    response_model=list[TargetRead],
    operation_id="list_targets",
    summary="Targets of an indicator",
    responses=problem_responses(401, 404, 422),
)
async def list_targets(
    code: str,
    session: Session,
    caller: Caller,
    org_unit: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
) -> list[TargetRead]:
    """Targets inside the caller's scope, ordered by org unit and period."""
    return await TargetService(session).list_targets(caller, code, org_unit, year)


@router.get(
    "/{code}/targets/history",
    response_model=list[AuditEventRead],
    operation_id="list_target_changes",
    summary="Audit trail of an indicator's targets",
    responses=problem_responses(401, 404, 422),
)
async def list_target_changes(code: str, session: Session, caller: Caller) -> list[AuditEventRead]:
    """Every change of a target inside the caller's scope: who, when, before, after, reason."""
    return await TargetService(session).history(caller, code)
