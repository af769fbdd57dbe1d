"""HTTP layer of population figures: POST/GET /v1/org-units/{code}/population."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kpi_api.codes import CODE
from kpi_api.deps import Caller, Session, WriterOrOperator
from kpi_api.population.schemas import PopulationFigureCreate, PopulationRead
from kpi_api.population.service import PopulationService
from zdrav_shared.db import CommittingRoute
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/org-units", tags=["org-units"], route_class=CommittingRoute)

Code = Annotated[str, Path(max_length=64, pattern=CODE, description="Org unit code")]


@router.post(
    "/{code}/population",
    status_code=status.HTTP_201_CREATED,
    response_model=PopulationRead,
    operation_id="record_population",
    summary="Record a population figure of an org unit for a date",
    responses={
        200: {"model": PopulationRead, "description": "The figure for that kind and date was replaced"},
        **problem_responses(400, 401, 403, 404, 409, 413, 422),
    },
)
async def record_population(
    code: Code, body: PopulationFigureCreate, session: Session, caller: WriterOrOperator, response: Response
) -> PopulationRead:
    """`attached` (прикреплённое, default) or `resident` population on `as_of`. The figures feed the
    built-in inputs `POPULATION_ATTACHED` / `POPULATION_RESIDENT`: in analytics an org unit's value is the
    sum over its subtree of each unit's latest figure dated on or before the period's last day, so
    `DOCTORS * 10000 / POPULATION_ATTACHED` is a ratio of sums. Figures of a kind are kept at one level of
    a branch (an ancestor or descendant that has them already: 409 `population_in_lineage`). Writers:
    federal, regional_admin and mo_operator inside their scope. Audited."""
    read, created = await PopulationService(session).record(caller, code, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return read


@router.get(
    "/{code}/population",
    response_model=PopulationRead,
    operation_id="get_population",
    summary="Population figures of an org unit and its differentiation group",
    responses=problem_responses(401, 404, 422),
)
async def get_population(code: Code, session: Session, caller: Caller) -> PopulationRead:
    """Every figure (newest first), the latest attached and resident ones, and the Murmansk programme's
    differentiation group of the latest attached population (six bands, coefficients 1.14 … 1.04;
    `applies` when the unit is rural, in a workers' or urban-type settlement or a small town).
    Reference data like the registry: every signed-in caller may read it."""
    return await PopulationService(session).read(code)
