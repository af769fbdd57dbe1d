"""HTTP layer of roadmap versions and revisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response, status

from roadmap_api.deps import Caller, Clock, RegionWriter, RowId, Session
from roadmap_api.versions.schemas import RevisionCreate, VersionDetail, VersionRead
from roadmap_api.versions.service import VersionService, version_read
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/roadmaps", tags=["roadmaps"], route_class=CommittingRoute)

IfMatch = Annotated[str | None, Header(alias="If-Match", description="The roadmap's ETag from the last read")]
VersionNumber = Annotated[int, Path(ge=1, le=100_000)]


@router.post(
    "/{roadmap_id}/revisions",
    status_code=status.HTTP_201_CREATED,
    response_model=VersionRead,
    operation_id="create_roadmap_revision",
    summary="Open a revision of an approved roadmap",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def create_roadmap_revision(
    roadmap_id: RowId,
    body: RevisionCreate,
    session: Session,
    caller: RegionWriter,
    clock: Clock,
    response: Response,
    if_match: IfMatch = None,
) -> VersionRead:
    """A new draft version with its reason (the method: update the roadmap when KPI targets or dates
    are missed). While it is open, KPIs and measures may change and tasks may be added, moved,
    rescheduled or cancelled; the version in force stays the measure of execution until the revision
    is approved (`POST …/status` with `approved`), from which day the revised plan counts.

    A draft roadmap (never approved) is changed directly: 409; so is a completed one, or a second
    revision while one is open."""
    service = VersionService(session, caller, clock)
    version = await service.open_revision(roadmap_id, body.reason, if_match)
    roadmap = await service.roadmaps.repo.get(roadmap_id, service.roadmaps.scope)
    if roadmap is not None:
        response.headers["ETag"] = etag(roadmap.version)
    response.headers["Location"] = f"/v1/roadmaps/{roadmap_id}/versions/{version.number}"
    return version_read(version)


@router.get(
    "/{roadmap_id}/versions",
    response_model=list[VersionRead],
    operation_id="list_roadmap_versions",
    summary="The versions of a roadmap's plan",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_roadmap_versions(roadmap_id: RowId, session: Session, caller: Caller) -> list[VersionRead]:
    """Oldest first: the first plan, then each revision with its reason, who approved it and from
    which day it was in force."""
    return await VersionService(session, caller).list_versions(roadmap_id)


@router.get(
    "/{roadmap_id}/versions/{version}",
    response_model=VersionDetail,
    operation_id="get_roadmap_version",
    summary="A version of a roadmap's plan, with its KPIs, measures and tasks",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_roadmap_version(
    roadmap_id: RowId, version: VersionNumber, session: Session, caller: Caller
) -> VersionDetail:
    """An approved or superseded version as it was frozen at approval: the KPIs, the measures, and
    each task with its approved dates, whether it is measured (a leaf) and, for a recurring task,
    its occurrences. The open draft shows the working plan as it would be approved now."""
    return await VersionService(session, caller).detail(roadmap_id, version)
