"""HTTP layer of programme volumes, activity progress and execution at a date."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from roadmap_api.common import Day
from roadmap_api.deps import Caller, RegionWriter, RowId, Session
from roadmap_api.programmes.progress import ProgrammeProgressService, progress_read
from roadmap_api.programmes.progress_schemas import (
    ProgrammeExecutionRead,
    ProgressIn,
    ProgressRead,
    VolumeRead,
    VolumesReplace,
)
from roadmap_api.programmes.schemas import FinancingLineRead
from roadmap_api.programmes.service import ProgrammeService
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/programmes", tags=["programmes"], route_class=CommittingRoute)

ActivityNo = Annotated[int, Path(ge=1, le=10_000)]


@router.get(
    "/{programme_id}/financing/lines",
    response_model=list[FinancingLineRead],
    operation_id="list_programme_financing_lines",
    summary="The financing lines as stored, with their budget classification codes",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_programme_financing_lines(
    programme_id: RowId, session: Session, caller: Caller
) -> list[FinancingLineRead]:
    """Activity × source × year with the КБК codes printed beside each line (several per cell kept
    as a list; "x" where the source prints it)."""
    return await ProgrammeService(session, caller).lines(programme_id)


@router.put(
    "/{programme_id}/volumes",
    response_model=list[VolumeRead],
    operation_id="replace_programme_volumes",
    summary="Replace the planned (and actual) volumes per activity and year",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def replace_programme_volumes(
    programme_id: RowId, body: VolumesReplace, session: Session, caller: RegionWriter
) -> list[VolumeRead]:
    """Activities of the plan, years of the programme; a duplicate (activity, name, year) or an
    activity not in the plan is a 422 and nothing is applied. Audited."""
    return await ProgrammeProgressService(session, caller).replace_volumes(programme_id, body.items)


@router.get(
    "/{programme_id}/volumes",
    response_model=list[VolumeRead],
    operation_id="list_programme_volumes",
    summary="Planned and actual volumes per activity and year",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_programme_volumes(programme_id: RowId, session: Session, caller: Caller) -> list[VolumeRead]:
    """With `done_pct` where both planned and actual are known."""
    return await ProgrammeProgressService(session, caller).volumes(programme_id)


@router.put(
    "/{programme_id}/activities/{activity_no}/progress",
    response_model=ProgressRead,
    operation_id="report_programme_activity_progress",
    summary="Report an activity's progress (as a whole, or for a year)",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def report_programme_activity_progress(
    programme_id: RowId,
    activity_no: ActivityNo,
    body: ProgressIn,
    session: Session,
    caller: RegionWriter,
) -> ProgressRead:
    """An activity with an end date is reported as a whole (no `year`); an annual one
    ("ежегодно") for each year; `done` needs `completed_on` (not in the future). Replaces the
    previous report of the same activity and period; audited."""
    row = await ProgrammeProgressService(session, caller).report(programme_id, activity_no, body)
    return progress_read(row)


@router.get(
    "/{programme_id}/progress",
    response_model=list[ProgressRead],
    operation_id="list_programme_progress",
    summary="Every progress report of the programme's activities",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_programme_progress(programme_id: RowId, session: Session, caller: Caller) -> list[ProgressRead]:
    """By activity and period."""
    return [progress_read(r) for r in await ProgrammeProgressService(session, caller).progress(programme_id)]


@router.get(
    "/{programme_id}/execution",
    response_model=ProgrammeExecutionRead,
    operation_id="get_programme_execution",
    summary="Execution of the programme's activities at a date",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_programme_execution(
    programme_id: RowId, session: Session, caller: Caller, as_of: Annotated[Day, Query()]
) -> ProgrammeExecutionRead:
    """Due results (an end date on or before `as_of`; for an annual activity each 31 December),
    completed on time or late, overdue, and the execution percentage against the 90 % threshold;
    ongoing activities ("на постоянной основе") are never due and are listed apart. Also the
    planned and actual volumes of the years up to `as_of`."""
    return await ProgrammeProgressService(session, caller).execution(programme_id, as_of)
