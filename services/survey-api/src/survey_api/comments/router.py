"""HTTP layer of the analysts' comments list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from survey_api.aggregates.service import parse_query_period, resolve_subtree
from survey_api.campaigns.errors import CampaignNotFound
from survey_api.comments.repository import CommentRepository
from survey_api.comments.schemas import CommentRead
from survey_api.common import as_utc
from survey_api.deps import Caller, Session
from survey_api.questionnaires.rules import QuestionType
from zdrav_shared.pagination import Page, PageParams, make_page, page_params
from zdrav_shared.problems import Unprocessable, problem_responses

router = APIRouter(prefix="/v1/comments", tags=["comments"])


@router.get(
    "",
    response_model=Page[CommentRead],
    operation_id="list_comments",
    summary="Free-text comments of a campaign, newest first",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_comments(
    request: Request,
    session: Session,
    caller: Caller,
    page: Annotated[PageParams, Depends(page_params)],
    campaign: Annotated[str, Query(max_length=64)],
    org_unit: Annotated[str | None, Query(max_length=64, description="Only this subtree")] = None,
    period: Annotated[str | None, Query(max_length=10, description="2025, 2025Q2 or 2025-04")] = None,
) -> Page[CommentRead]:
    """What respondents wrote, with e-mail addresses and phone numbers masked at ingestion. Only
    responses inside the caller's scope are listed."""
    parsed_period = parse_query_period(period) if period else None
    context = await request.app.state.campaigns.get(session, campaign)
    if context is None:
        raise CampaignNotFound(campaign)
    if org_unit is not None:
        await resolve_subtree(caller, context, org_unit, request.app.state.org_units)
    after = None
    if page.after:
        try:
            after = (datetime.fromisoformat(str(page.after[0])), UUID(str(page.after[1])))
        except (ValueError, IndexError) as exc:
            raise Unprocessable("the cursor is not valid; start again without it", pointer="/query/cursor") from exc
    rows = await CommentRepository(session).page(
        campaign_id=context.id,
        period=parsed_period,
        subtree_code=org_unit,
        scope_codes=None if caller.is_federal else sorted(caller.scope_org_units),
        after=after,
        limit=page.limit + 1,
    )
    text_codes = [q.code for q in context.definition.questions if q.type is QuestionType.FREE_TEXT]
    items = [
        CommentRead(
            response_id=r.id,
            org_unit_code=r.org_unit_code,
            channel=r.channel,
            period=r.month,
            answered_at=as_utc(r.effective_at),
            texts={code: r.answers[code] for code in text_codes if isinstance(r.answers.get(code), str)},
        )
        for r in rows
    ]
    return make_page(items, page, lambda c: [c.answered_at.isoformat(), str(c.response_id)])
