"""HTTP layer of targets and baselines (under their indicator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kpi_api.audit.schemas import AuditEventRead
from kpi_api.deps import Caller, Session, WriterOrOperator
from kpi_api.indicators.service import CATALOGUE_WRITERS
from kpi_api.targets.approval import TargetApprovalService
from kpi_api.targets.notes import CauseNoteService
from kpi_api.targets.schemas import (
    CauseNotePut,
    CauseNoteRead,
    TargetRead,
    TargetsApprove,
    TargetsPut,
    TargetsReopen,
    TargetsResult,
)
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
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
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


@router.post(
    "/{code}/targets/approval",
    response_model=list[TargetRead],
    operation_id="approve_targets",
    summary="Approve (lock) targets",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def approve_targets(
    code: str, body: TargetsApprove, session: Session, caller: CatalogueWriter
) -> list[TargetRead]:
    """Lock the named targets: a later `PUT …/targets` that changes one is a 409 (`reason: target_locked`)
    until it is reopened. Audited. Writers: `federal`, `regional_admin` (within scope)."""
    return await TargetApprovalService(session).approve(caller, code, body)


@router.post(
    "/{code}/targets/reopen",
    response_model=list[TargetRead],
    operation_id="reopen_targets",
    summary="Reopen approved targets for a change (with a reason)",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def reopen_targets(code: str, body: TargetsReopen, session: Session, caller: CatalogueWriter) -> list[TargetRead]:
    """Unlock approved targets; the reason is required and kept in the audit trail
    (`GET …/targets/history`). A target that is not approved is a 422 naming it."""
    return await TargetApprovalService(session).reopen(caller, code, body)


@router.put(
    "/{code}/cause-notes",
    response_model=CauseNoteRead,
    operation_id="put_cause_note",
    summary="Record the cause of a deviation from target («анализ факторов»)",
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def put_cause_note(code: str, body: CauseNotePut, session: Session, caller: WriterOrOperator) -> CauseNoteRead:
    """Record or replace the factor analysis of an org unit's deviation for a period; analytics shows it
    as `cause_note` beside `cause_note_required`. An org unit outside the caller's scope is 404. Audited."""
    return await CauseNoteService(session).put(caller, code, body)
