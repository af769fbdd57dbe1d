"""HTTP layer of the best-practice catalogue and the federal proposals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from roadmap_api.best_practices.schemas import (
    BestPracticeCreate,
    BestPracticeRead,
    BestPracticeUpdate,
    FederalProposalRead,
)
from roadmap_api.best_practices.service import BestPracticeService
from roadmap_api.deps import Caller, Session
from roadmap_api.regions import readable_regions, require_reader
from zdrav_shared.db import CommittingRoute
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/best-practices", tags=["best-practices"], route_class=CommittingRoute)
proposals_router = APIRouter(prefix="/v1/federal-proposals", tags=["best-practices"])

PracticeCode = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
CodeQuery = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


def _int_after(page: PageParams) -> int | None:
    return int(page.after[0]) if page.after and isinstance(page.after[0], int) else None


@router.get(
    "",
    response_model=Page[BestPracticeRead],
    operation_id="list_best_practices",
    summary="The best-practice catalogue",
    responses=problem_responses(401, 422),
)
async def list_best_practices(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    life_situation: CodeQuery = None,
) -> Page[BestPracticeRead]:
    """Every practice (the catalogue is shared by all regions), ordered by id; `life_situation`
    keeps those suited to one life situation. Seeded with the nine health practices of the
    national method (codes `nsi-bp-1` … `nsi-bp-9`, owned by `RU`)."""
    rows = await BestPracticeService(session, caller).list_practices(life_situation, _int_after(page), page.limit + 1)
    return make_page([BestPracticeRead.model_validate(r, from_attributes=True) for r in rows], page, lambda r: [r.id])


@router.get(
    "/{code}",
    response_model=BestPracticeRead,
    operation_id="get_best_practice",
    summary="A best practice",
    responses=problem_responses(401, 404, 422),
)
async def get_best_practice(code: PracticeCode, session: Session, caller: Caller) -> BestPracticeRead:
    """Name, regions, measurable result, life situations and link."""
    return BestPracticeRead.model_validate(await BestPracticeService(session, caller).get(code), from_attributes=True)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BestPracticeRead,
    operation_id="create_best_practice",
    summary="Add a best practice to the catalogue",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_best_practice(
    body: BestPracticeCreate, session: Session, caller: Caller, response: Response
) -> BestPracticeRead:
    """`federal` adds federal practices; a `regional_admin` adds its region's. A taken code is a 409;
    unknown life situations are a 422."""
    practice = await BestPracticeService(session, caller).create(body)
    response.headers["Location"] = f"/v1/best-practices/{practice.code}"
    return BestPracticeRead.model_validate(practice, from_attributes=True)


@router.patch(
    "/{code}",
    response_model=BestPracticeRead,
    operation_id="update_best_practice",
    summary="Change a best practice",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def update_best_practice(
    code: PracticeCode, body: BestPracticeUpdate, session: Session, caller: Caller
) -> BestPracticeRead:
    """Only the practice's owner (403 `not_owner` naming it otherwise); every change is audited."""
    return BestPracticeRead.model_validate(
        await BestPracticeService(session, caller).update(code, body), from_attributes=True
    )


@proposals_router.get(
    "",
    response_model=Page[FederalProposalRead],
    operation_id="list_federal_proposals",
    summary="Proposals for the federal roadmap: the measures marked (Ф)",
    responses=problem_responses(401, 403, 422),
)
async def list_federal_proposals(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    region: CodeQuery = None,
) -> Page[FederalProposalRead]:
    """Every measure marked federal-level ("(Ф)": the region cannot decide it) with its proposals,
    of one region (`region`) or of all regions in the caller's scope, ordered by measure id — the
    list the method asks regions to send for the federal roadmap."""
    if region is not None:
        require_reader(caller, region)
        regions: list[str] | None = [region]
    else:
        regions = readable_regions(caller)
    rows = await BestPracticeService(session, caller).federal_proposals(regions, _int_after(page), page.limit + 1)
    return make_page(rows, page, lambda r: [r.measure_id])
