"""HTTP layer of questionnaires."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from survey_api.deps import Caller, Session
from survey_api.questionnaires.schemas import (
    QuestionnaireChange,
    QuestionnaireChangeReason,
    QuestionnaireCreate,
    QuestionnaireRead,
    QuestionnaireUpdate,
)
from survey_api.questionnaires.service import EDITOR_ROLES, QuestionnaireService, read_of
from zdrav_shared.auth import Principal, role_required
from zdrav_shared.db import CommittingRoute
from zdrav_shared.etags import etag
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import problem_responses

router = APIRouter(prefix="/v1/questionnaires", tags=["questionnaires"], route_class=CommittingRoute)

Editor = Annotated[Principal, Depends(role_required(*EDITOR_ROLES))]

Code = Annotated[str, Path(max_length=64, description="Questionnaire code, e.g. nsi-standard")]
Version = Annotated[int, Path(ge=1, le=100_000)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=QuestionnaireRead,
    operation_id="create_questionnaire",
    summary="Create a questionnaire (draft version 1)",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
async def create_questionnaire(
    body: QuestionnaireCreate, session: Session, caller: Editor, response: Response
) -> QuestionnaireRead:
    """Question types: `satisfaction5` (yes, rather_yes, rather_no, no, dont_know), `nps` (0–10),
    `rating` (1–5), `single_choice` and `multiple_choice` (with options), `free_text`, and `screening`
    (yes, no; at most one per questionnaire: a `no` keeps the response out of every aggregate, counted
    apart as `screened_out`). Russian labels are required, English optional.

    The questionnaire gets an `owner`: `RU` for a `federal` caller, the caller's region for a
    `regional_admin` (one scoped to several regions names it). Only the owner changes it afterwards
    (403 naming the owner otherwise); every write is kept in `GET …/{code}/history`."""
    row = await QuestionnaireService(session).create(caller, body)
    response.headers["ETag"] = etag(row.revision)
    return read_of(row)


@router.get(
    "",
    response_model=Page[QuestionnaireRead],
    operation_id="list_questionnaires",
    summary="List questionnaire versions",
    responses=problem_responses(401, 422),
)
async def list_questionnaires(
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    code: Annotated[str | None, Query(max_length=64, description="Only the versions of this code")] = None,
    owner: Annotated[
        str | None, Query(max_length=64, description="Only questionnaires this owner (RU or a region) holds")
    ] = None,
) -> Page[QuestionnaireRead]:
    """Every version, ordered by code and version. Every signed-in caller reads every questionnaire
    (a region may run a campaign on another's); only the owner changes one."""
    after = (str(page.after[0]), int(page.after[1])) if page.after and len(page.after) == 2 else None
    rows = await QuestionnaireService(session).repo.list(limit=page.limit + 1, after=after, code=code, owner=owner)
    return make_page([read_of(r) for r in rows], page, lambda q: [q.code, q.version])


@router.get(
    "/{code}",
    response_model=QuestionnaireRead,
    operation_id="get_questionnaire",
    summary="Get the current version of a questionnaire",
    responses=problem_responses(401, 404, 422),
)
async def get_questionnaire(code: Code, session: Session, caller: Caller, response: Response) -> QuestionnaireRead:
    """The latest published version, or the latest draft when none is published yet."""
    row = await QuestionnaireService(session).get(code)
    response.headers["ETag"] = etag(row.revision)
    return read_of(row)


@router.get(
    "/{code}/history",
    response_model=list[QuestionnaireChange],
    operation_id="list_questionnaire_changes",
    summary="The audited changes of a questionnaire, oldest first",
    responses=problem_responses(401, 404, 422),
)
async def list_questionnaire_changes(code: Code, session: Session, caller: Caller) -> list[QuestionnaireChange]:
    """One row per write of any version — `created`, `version_created`, `updated`, `published` — with
    who (`actor`), when (`at`), the version before and after, and the `reason` given. Versions of
    `nsi-standard` that survey-api added itself show `system` as the actor; versions older than the
    audit start with one `recorded` row."""
    return await QuestionnaireService(session).history(code)


@router.get(
    "/{code}/versions/{version}",
    response_model=QuestionnaireRead,
    operation_id="get_questionnaire_version",
    summary="Get one version of a questionnaire",
    responses=problem_responses(401, 404, 422),
)
async def get_questionnaire_version(
    code: Code, version: Version, session: Session, caller: Caller, response: Response
) -> QuestionnaireRead:
    """One version, draft or published."""
    row = await QuestionnaireService(session).get(code, version)
    response.headers["ETag"] = etag(row.revision)
    return read_of(row)


@router.post(
    "/{code}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=QuestionnaireRead,
    operation_id="create_questionnaire_version",
    summary="Start a new draft version from the latest one",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def create_questionnaire_version(
    code: Code,
    session: Session,
    caller: Editor,
    response: Response,
    body: QuestionnaireChangeReason | None = None,
) -> QuestionnaireRead:
    """Copies the latest published version into a new draft; 409 when a draft already exists. The
    owner's only (403 naming the owner)."""
    row = await QuestionnaireService(session).new_version(caller, code, body.reason if body else None)
    response.headers["ETag"] = etag(row.revision)
    return read_of(row)


@router.patch(
    "/{code}/versions/{version}",
    response_model=QuestionnaireRead,
    operation_id="update_questionnaire_version",
    summary="Edit a draft version",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)
async def update_questionnaire_version(
    code: Code,
    version: Version,
    body: QuestionnaireUpdate,
    session: Session,
    caller: Editor,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> QuestionnaireRead:
    """Only drafts change: a published version is a 409. A stale `If-Match` is a 409 (the revision
    is checked in the same statement that writes). The owner's only (403 naming the owner); `reason`
    goes to the history."""
    row = await QuestionnaireService(session).update(caller, code, version, body, if_match)
    response.headers["ETag"] = etag(row.revision)
    return read_of(row)


@router.post(
    "/{code}/versions/{version}/publish",
    response_model=QuestionnaireRead,
    operation_id="publish_questionnaire_version",
    summary="Publish a draft version (it becomes immutable)",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def publish_questionnaire_version(
    code: Code,
    version: Version,
    session: Session,
    caller: Editor,
    response: Response,
    body: QuestionnaireChangeReason | None = None,
) -> QuestionnaireRead:
    """Publishing an already published version changes nothing. The owner's only (403 naming the
    owner)."""
    row = await QuestionnaireService(session).publish(caller, code, version, body.reason if body else None)
    response.headers["ETag"] = etag(row.revision)
    return read_of(row)
