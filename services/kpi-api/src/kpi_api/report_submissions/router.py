"""HTTP layer of report submissions (CONTRACT.md: POST/GET /v1/report-submissions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kpi_api.codes import CODE, PERIOD
from kpi_api.deps import Caller, Clock, ReportSubmitter, Session
from kpi_api.models import OrgUnit
from kpi_api.report_submissions.schemas import SubmissionCreate, SubmissionList, SubmissionRead
from kpi_api.report_submissions.service import SubmissionService, read_submission
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/report-submissions", tags=["reporting"], route_class=CommittingRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmissionRead,
    operation_id="submit_report",
    summary="Record a submitted report, or the obligation an event opened",
    responses={
        200: {"model": SubmissionRead, "description": "The obligation existed: completed or unchanged"},
        **problem_responses(400, 401, 403, 409, 413, 422),
    },
)
async def submit_report(
    body: SubmissionCreate, session: Session, caller: ReportSubmitter, clock: Clock, response: Response
) -> SubmissionRead:
    """Period reports take `period` (of the type's periodicity) and `submitted_at` (default now); event
    reports take `event_date`, and without `submitted_at` record an open obligation (roadmap-api opens the
    regional centre's change notice this way). The same report type, org unit and period or event date
    again is an idempotent upsert: it completes an open obligation (200), repeats a stored one unchanged
    (200), and a different `submitted_at` for a submitted one is a 409. 201 when recorded first. `due_at`
    is the last second of the due day in the org unit's time zone (working days: the Russian production
    calendar of that year); `on_time` is null while open. Writers: federal, service, and regional_admin or
    mo_operator inside their scope. Audited."""
    service = SubmissionService(session, clock)
    done = await service.submit(caller, body)
    if not done.created:
        response.status_code = status.HTTP_200_OK
    report_type = await service.types.get(body.report_type)
    unit = await session.get(OrgUnit, done.row.org_unit_id)
    assert report_type is not None and unit is not None
    return read_submission(report_type, done.row, unit, clock())


@router.get(
    "",
    response_model=SubmissionList,
    operation_id="list_report_submissions",
    summary="Who owes a report for a period: due, submitted, on time, late or missing",
    responses=problem_responses(401, 403, 422),
)
async def list_report_submissions(
    session: Session,
    caller: Caller,
    clock: Clock,
    report_type: Annotated[str, Query(max_length=64, pattern=CODE, examples=["federal_monthly"])],
    period: Annotated[
        str,
        Query(
            max_length=10,
            pattern=PERIOD,
            examples=["2027-10"],
            description="The period; for event reports the window their events fall in",
        ),
    ],
    region: Annotated[
        str | None, Query(max_length=64, pattern=CODE, description="One region (or any org unit's subtree)")
    ] = None,
) -> SubmissionList:
    """Period reports: one row per expected org unit (the type's `expected_level` in the region — the
    region itself by default) with `status` on_time, late or missing, plus rows of any other unit that
    submitted. Event reports: the obligations whose event falls in the period. `regions` gives timeliness
    per region, `total` over all rows. Only org units inside the caller's scope; `region` outside it is 403."""
    return await SubmissionService(session, clock).list(caller, report_type, period, region)
