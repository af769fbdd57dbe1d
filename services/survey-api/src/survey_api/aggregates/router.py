"""HTTP layer of aggregates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from survey_api.aggregates.service import AggregateService
from survey_api.common import CampaignPurpose
from survey_api.deps import Caller, ReadSession
from zdrav_shared.contracts.survey import AggregateGroupBy, OrgUnitAggregates, SurveyAggregates
from zdrav_shared.problems import Unprocessable, problem_responses
from zdrav_shared.replica import data_as_of

router = APIRouter(prefix="/v1/aggregates", tags=["aggregates"])


@router.get(
    "",
    response_model=SurveyAggregates,
    operation_id="get_aggregates",
    summary="Satisfaction share and NPS of an org unit's subtree for a period",
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def get_aggregates(
    request: Request,
    session: ReadSession,
    caller: Caller,
    campaign: Annotated[str, Query(max_length=64, description="Campaign code")],
    org_unit: Annotated[str, Query(max_length=64, description="The figures cover this unit's whole subtree")],
    period: Annotated[str, Query(max_length=10, description="2025, 2025Q2 or 2025-04 (local dates)")],
    group_by: AggregateGroupBy | None = None,
) -> SurveyAggregates:
    """`satisfaction_share` = yes + rather_yes to `q1_process` ÷ the answers to it that are one of the
    national method's four (yes, rather_yes, rather_no, no), in %; `dont_know` answers are not in the
    denominator — nor in the Wilson interval, the per-question shares, the previous period's figures,
    the significance tests or the suggested target — and are counted beside it (`dont_know`, and per
    question in `questions[]`). `nps` = % promoters (9–10) − % detractors (0–6) of the responses that
    answered `nps`; `nps_ci95` its 95 % interval. `n` counts the responses that count: those whose
    screening answer is «no» are in no figure and are counted apart (`screened_out`). `sample_ok` is
    false when `n` is below the campaign's minimum sample. Counts are summed over the subtree (never
    averages of percentages). Each row also carries the previous period's figures with significance
    flags, and the suggested next target (current + 25 % of the gap to 90 %, or to 30 for NPS). Rows:
    one without `group_by`; one per deployed org unit, channel, month or quarter with it."""
    service = AggregateService(session, request.app.state.campaigns, request.app.state.org_units)
    answer = await service.aggregates(caller, campaign, org_unit, period, group_by)
    answer.data_as_of = data_as_of(session)
    return answer


MAX_ORG_UNITS = 500


@router.get(
    "/org-units",
    response_model=OrgUnitAggregates,
    operation_id="get_org_unit_aggregates",
    summary="Satisfaction share and NPS of several org units' subtrees: one campaign, or the national questionnaire",
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def get_org_unit_aggregates(
    request: Request,
    session: ReadSession,
    caller: Caller,
    org_units: Annotated[str, Query(max_length=40_000, description="Org-unit codes, comma-separated (at most 500)")],
    period: Annotated[str, Query(max_length=10, description="2025, 2025Q2 or 2025-04 (local dates)")],
    campaign: Annotated[
        str | None,
        Query(
            max_length=64,
            description="A campaign code; absent: every campaign of the questionnaire overlapping the period",
        ),
    ] = None,
    questionnaire: Annotated[
        str | None,
        Query(max_length=64, description="Without `campaign`: whose campaigns count (default `nsi-standard`)"),
    ] = None,
    purpose: Annotated[
        CampaignPurpose | None, Query(description="Only campaigns of this purpose (default: both)")
    ] = None,
) -> OrgUnitAggregates:
    """One row per requested org unit (its whole subtree), in the order asked, for kpi-api's
    survey-sourced indicators and the federal report: `n`, the `q1_process` counts `satisfied` ÷
    `satisfaction_answered` behind `satisfaction_share` (the method's four answers; `dont_know`
    counted beside them, not in the denominator), NPS with its counts and 95 % interval, `sample_ok`,
    and `screened_out` (responses a screening «no» keeps out of every figure).

    With `campaign`: that campaign's responses only (`questionnaire` and `purpose`, if given, must be
    the campaign's: 422 otherwise). Without it: the responses of every campaign of one questionnaire —
    `nsi-standard`, the national one, unless `questionnaire` names another, any version — whose dates
    overlap the period, of either purpose unless `purpose` narrows it. This is the one satisfaction KPI
    of a region: a region's other questionnaires (a canteen survey whose first question is also a
    satisfaction question) never mix in. Counts are summed (never percentages averaged) and
    `sample_ok` uses the default minimum sample (30). A unit without responses gets `n = 0`.
    `GET /v1/aggregates` keeps its single-campaign contract."""
    codes = list(dict.fromkeys(c.strip() for c in org_units.split(",") if c.strip()))
    if len(codes) > MAX_ORG_UNITS:
        raise Unprocessable(f"at most {MAX_ORG_UNITS} org units per request", pointer="/query/org_units")
    service = AggregateService(session, request.app.state.campaigns, request.app.state.org_units)
    answer = await service.org_unit_aggregates(
        caller, codes, period, campaign, questionnaire, purpose.value if purpose else None
    )
    answer.data_as_of = data_as_of(session)
    return answer
