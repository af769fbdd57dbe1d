"""HTTP layer of life situations, institutions and self-assessments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from roadmap_api.deps import Caller, OrgUnits, RegionWriter, RowId, Session, WriterOrOperator
from roadmap_api.life_situations.assessments import SelfAssessmentService
from roadmap_api.life_situations.schemas import (
    BaselineRead,
    InstitutionCreate,
    InstitutionsRead,
    KpiBaselineFromAssessment,
    KpiBaselineRead,
    LifeSituationCreate,
    LifeSituationRead,
    LifeSituationUpdate,
    MeasurementsReplace,
    SelfAssessmentCreate,
    SelfAssessmentRead,
)
from roadmap_api.life_situations.service import LifeSituationService
from zdrav_shared.db import CommittingRoute
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/life-situations", tags=["life-situations"], route_class=CommittingRoute)
assessments_router = APIRouter(prefix="/v1/self-assessments", tags=["life-situations"], route_class=CommittingRoute)
kpi_baseline_router = APIRouter(prefix="/v1/roadmaps", tags=["life-situations"], route_class=CommittingRoute)

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
SituationCode = Annotated[str, Path(min_length=1, max_length=64, pattern=CODE_PATTERN)]
IndicatorCode = Annotated[str, Path(min_length=1, max_length=64, pattern=CODE_PATTERN)]
RegionQuery = Annotated[str, Query(min_length=1, max_length=64, pattern=CODE_PATTERN, description="A region code")]
OptionalRegion = Annotated[str | None, Query(min_length=1, max_length=64, pattern=CODE_PATTERN)]
IndicatorQuery = Annotated[str, Query(min_length=1, max_length=64, pattern=CODE_PATTERN)]


def _int_after(page: PageParams) -> int | None:
    return int(page.after[0]) if page.after and isinstance(page.after[0], int) else None


@router.get(
    "",
    response_model=Page[LifeSituationRead],
    operation_id="list_life_situations",
    summary="Life situations",
    responses=problem_responses(401, 422),
)
async def list_life_situations(
    session: Session, caller: Caller, page: Annotated[PageParams, Depends(page_params)]
) -> Page[LifeSituationRead]:
    """Every life situation, ordered by id; the three health situations of the national method are
    always present (`nsi-health-1` … `nsi-health-3`, owned by `RU`)."""
    rows = await LifeSituationService(session, caller).list_situations(_int_after(page), page.limit + 1)
    return make_page([LifeSituationRead.model_validate(r, from_attributes=True) for r in rows], page, lambda r: [r.id])


@router.get(
    "/{code}",
    response_model=LifeSituationRead,
    operation_id="get_life_situation",
    summary="A life situation with its boundaries and beneficiaries",
    responses=problem_responses(401, 404, 422),
)
async def get_life_situation(code: SituationCode, session: Session, caller: Caller) -> LifeSituationRead:
    """From the start event to the end event, for whom."""
    return LifeSituationRead.model_validate(await LifeSituationService(session, caller).get(code), from_attributes=True)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LifeSituationRead,
    operation_id="create_life_situation",
    summary="Define a life situation",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_life_situation(
    body: LifeSituationCreate, session: Session, caller: Caller, response: Response
) -> LifeSituationRead:
    """Owned by the caller's region (or `RU` for `federal`); a taken code is a 409."""
    situation = await LifeSituationService(session, caller).create(body)
    response.headers["Location"] = f"/v1/life-situations/{situation.code}"
    return LifeSituationRead.model_validate(situation, from_attributes=True)


@router.patch(
    "/{code}",
    response_model=LifeSituationRead,
    operation_id="update_life_situation",
    summary="Change a life situation",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def update_life_situation(
    code: SituationCode, body: LifeSituationUpdate, session: Session, caller: Caller
) -> LifeSituationRead:
    """Only its owner (403 `not_owner` otherwise); audited with the reason."""
    return LifeSituationRead.model_validate(
        await LifeSituationService(session, caller).update(code, body), from_attributes=True
    )


@router.post(
    "/{code}/institutions",
    status_code=status.HTTP_201_CREATED,
    response_model=InstitutionsRead,
    operation_id="add_life_situation_institution",
    summary="Add an institution where the region measures the life situation",
    responses=problem_responses(400, 401, 403, 404, 413, 422, 503),
)
async def add_life_situation_institution(
    code: SituationCode, body: InstitutionCreate, session: Session, caller: WriterOrOperator, org_units: OrgUnits
) -> InstitutionsRead:
    """An organisation (or subdivision) of kpi-api; urban or rural from its org unit. Answers the
    region's institutions of the life situation with warnings while there are fewer than two, or
    no urban or no rural one. Adding the same one again changes nothing."""
    return await LifeSituationService(session, caller, org_units).add_institution(code, body)


@router.get(
    "/{code}/institutions",
    response_model=InstitutionsRead,
    operation_id="list_life_situation_institutions",
    summary="A region's institutions of a life situation, with warnings",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_life_situation_institutions(
    code: SituationCode, region: RegionQuery, session: Session, caller: Caller
) -> InstitutionsRead:
    """`ok` is false with `warnings` while the method's rule (at least two, urban and rural) is not met."""
    return await LifeSituationService(session, caller).institutions(code, region)


@router.post(
    "/{code}/self-assessments",
    status_code=status.HTTP_201_CREATED,
    response_model=SelfAssessmentRead,
    operation_id="create_self_assessment",
    summary="Record an institution's self-assessment measurements",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 503),
)
async def create_self_assessment(
    code: SituationCode,
    body: SelfAssessmentCreate,
    session: Session,
    caller: WriterOrOperator,
    org_units: OrgUnits,
    response: Response,
) -> SelfAssessmentRead:
    """Process-time measurements of one institution for one indicator; the institution is added to
    the life situation when it is not yet. `current_value` is the worst measurement; fewer than 10
    measurements are accepted with `sample_ok: false`. A second assessment of the same institution
    and indicator is a 409 naming the first (replace its measurements instead). Writers: `federal`,
    `regional_admin` of the region, or an `mo_operator` of the institution."""
    service = SelfAssessmentService(session, caller, org_units)
    assessment = await service.create(code, body)
    response.headers["Location"] = f"/v1/self-assessments/{assessment.id}"
    return await service.read(assessment)


@router.get(
    "/{code}/self-assessments",
    response_model=Page[SelfAssessmentRead],
    operation_id="list_self_assessments",
    summary="Self-assessments of a life situation",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_self_assessments(
    code: SituationCode,
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    region: OptionalRegion = None,
) -> Page[SelfAssessmentRead]:
    """Of one region, or of every region in the caller's scope; ordered by id."""
    service = SelfAssessmentService(session, caller)
    rows = await service.list_for(code, region, _int_after(page), page.limit + 1)
    return make_page([await service.read(r) for r in rows], page, lambda r: [r.id])


@router.get(
    "/{code}/baseline",
    response_model=BaselineRead,
    operation_id="get_self_assessment_baseline",
    summary="A region's baseline of an indicator from its self-assessments",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_self_assessment_baseline(
    code: SituationCode, region: RegionQuery, indicator_code: IndicatorQuery, session: Session, caller: Caller
) -> BaselineRead:
    """The worst measurement over every institution of the region (the method's current value),
    with each institution's own worst value and sample, and warnings where the self-assessment
    falls short of the method (fewer than 10 measurements, fewer than two institutions, no urban
    or no rural one)."""
    return await SelfAssessmentService(session, caller).baseline(code, region, indicator_code)


@assessments_router.get(
    "/{assessment_id}",
    response_model=SelfAssessmentRead,
    operation_id="get_self_assessment",
    summary="A self-assessment with its measurements",
    responses=problem_responses(401, 404, 422),
)
async def get_self_assessment(assessment_id: RowId, session: Session, caller: Caller) -> SelfAssessmentRead:
    """An assessment outside the caller's scope is a 404."""
    service = SelfAssessmentService(session, caller)
    return await service.read(await service.load(assessment_id))


@assessments_router.put(
    "/{assessment_id}/measurements",
    response_model=SelfAssessmentRead,
    operation_id="replace_self_assessment_measurements",
    summary="Replace a self-assessment's measurements",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def replace_self_assessment_measurements(
    assessment_id: RowId, body: MeasurementsReplace, session: Session, caller: WriterOrOperator
) -> SelfAssessmentRead:
    """The whole sample at once (e.g. grown from 6 to 12 measurements); the previous one is kept in
    the audit trail."""
    service = SelfAssessmentService(session, caller)
    return await service.read(await service.replace_measurements(assessment_id, body.measurements, body.reason))


@kpi_baseline_router.post(
    "/{roadmap_id}/kpis/{indicator_code}/baseline-from-self-assessment",
    response_model=KpiBaselineRead,
    operation_id="set_kpi_baseline_from_self_assessment",
    summary="Take a draft roadmap KPI's baseline from the region's self-assessment",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def set_kpi_baseline_from_self_assessment(
    roadmap_id: RowId,
    indicator_code: IndicatorCode,
    body: KpiBaselineFromAssessment,
    session: Session,
    caller: RegionWriter,
) -> KpiBaselineRead:
    """The KPI's baseline becomes the region's self-assessment value of that indicator for the life
    situation (the worst measurement). Only while the roadmap is a draft (409 after approval, as for
    any KPI change); a self-assessment short of the method's rule is a 409 listing what is missing,
    unless `accept_small_sample` is true. Journaled on the roadmap."""
    return await SelfAssessmentService(session, caller).apply_to_roadmap_kpi(roadmap_id, indicator_code, body)
