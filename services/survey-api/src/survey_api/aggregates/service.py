"""Aggregate figures: counts from the repository, statistics from ``aggregates.rules``. Read-only."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.aggregates.errors import OrgUnitNotFound
from survey_api.aggregates.repository import AggregateRepository, GroupCounts, SlotCounts
from survey_api.aggregates.rules import (
    DEFAULT_MINIMUM_SAMPLE,
    LONG_TERM_NPS,
    NpsCounts,
    ShareCounts,
    group_figures,
    present,
    present_interval,
    satisfaction_share,
    significant_change,
    suggested_target,
)
from survey_api.campaigns.context import CampaignCache, CampaignContext
from survey_api.campaigns.errors import CampaignNotFound
from survey_api.questionnaires.standard import STANDARD_QUESTIONNAIRE_CODE
from zdrav_shared.auth import Principal, require_scope
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.contracts.survey import (
    AggregateGroupBy,
    OrgUnitAggregateRow,
    OrgUnitAggregates,
    PreviousFigures,
    QuestionShare,
    SurveyAggregateRow,
    SurveyAggregates,
)
from zdrav_shared.periods import InvalidPeriod, Period, PeriodType
from zdrav_shared.problems import Unprocessable


def parse_query_period(text: str) -> Period:
    try:
        return Period.parse(text)
    except InvalidPeriod as exc:
        raise Unprocessable(str(exc), pointer="/query/period") from exc


async def resolve_subtree(
    caller: Principal, context: CampaignContext, code: str, org_units: OrgUnitClient | None
) -> tuple[str, ...]:
    """The lineage of ``code`` (from the campaign's units, else from kpi-api), checked against scope."""
    lineage = context.lineage_of(code)
    if lineage is None:
        ref = await org_units.get(code) if org_units is not None else None
        if ref is None:
            raise OrgUnitNotFound(code)
        lineage = tuple(ref.path or [code])
    require_scope(caller, lineage, code)
    return lineage


class AggregateService:
    def __init__(self, session: AsyncSession, cache: CampaignCache, org_units: OrgUnitClient | None) -> None:
        self.session = session
        self.repo = AggregateRepository(session)
        self.cache = cache
        self.org_units = org_units

    async def aggregates(
        self, caller: Principal, campaign: str, org_unit: str, period_text: str, group_by: AggregateGroupBy | None
    ) -> SurveyAggregates:
        period = parse_query_period(period_text)
        _check_grouping(period, group_by)
        context = await self.cache.get(self.session, campaign)
        if context is None:
            raise CampaignNotFound(campaign)
        await resolve_subtree(caller, context, org_unit, self.org_units)
        scope = None if caller.is_federal else sorted(caller.scope_org_units)
        group = group_by.value if group_by else None
        counts = {}
        for which in (period, period.previous()):
            counts.update(
                {
                    (which.code, key): value
                    for key, value in (
                        await self.repo.counts(
                            campaign_id=context.id,
                            period=which,
                            subtree_code=org_unit,
                            scope_codes=scope,
                            group_by=group,
                        )
                    ).items()
                }
            )
        rows = [
            self._row(context, period, group_by, key, counts)
            for key in _keys(context, period, org_unit, group_by, counts)
        ]
        return SurveyAggregates(
            campaign_code=context.code,
            org_unit_code=org_unit,
            period=period.code,
            group_by=group_by,
            minimum_sample=context.minimum_sample,
            rows=rows,
        )

    async def org_unit_aggregates(
        self,
        caller: Principal,
        org_units: list[str],
        period_text: str,
        campaign: str | None,
        questionnaire: str | None = None,
        purpose: str | None = None,
    ) -> OrgUnitAggregates:
        """Figures of each requested subtree, over one campaign or every campaign of one questionnaire
        (``nsi-standard`` unless another is named) overlapping the period.

        Counts are summed per subtree from one GROUP BY by org-unit path; the campaign-less form
        uses the default minimum sample, a campaign's own otherwise."""
        period = parse_query_period(period_text)
        if not org_units:
            raise Unprocessable("name at least one org unit", pointer="/query/org_units")
        if campaign is not None:
            context = await self.cache.get(self.session, campaign)
            if context is None:
                raise CampaignNotFound(campaign)
            if questionnaire is not None and questionnaire != context.definition.code:
                raise Unprocessable(
                    f"campaign {campaign} asks questionnaire {context.definition.code}, not {questionnaire}: "
                    "name one or the other",
                    pointer="/query/questionnaire",
                )
            if purpose is not None and purpose != context.purpose:
                raise Unprocessable(
                    f"campaign {campaign} is a {context.purpose} campaign, not {purpose}", pointer="/query/purpose"
                )
            campaigns = {context.id: context.code}
            minimum = context.minimum_sample
            questionnaire = context.definition.code
        else:
            questionnaire = questionnaire or STANDARD_QUESTIONNAIRE_CODE
            campaigns = await self.repo.campaigns_overlapping(period, questionnaire_code=questionnaire, purpose=purpose)
            minimum = DEFAULT_MINIMUM_SAMPLE
        if not caller.is_federal:
            for code in org_units:
                ref = await self.org_units.get(code) if self.org_units is not None else None
                if ref is None:
                    raise OrgUnitNotFound(code)
                require_scope(caller, ref.path or [code], code)
        scope = None if caller.is_federal else sorted(caller.scope_org_units)
        found = await self.repo.counts_by_path(
            campaign_ids=list(campaigns), period=period, subtree_codes=org_units, scope_codes=scope
        )
        rows = []
        for code in org_units:
            marker = f"/{code}/"
            inside = [(campaign_id, c) for path, campaign_id, c in found if marker in path]
            total = _sum_counts([c for _, c in inside])
            q1 = total.satisfaction[0]
            figures = group_figures(total.n, _share(total), _nps(total), minimum_sample=minimum)
            interval = present_interval(figures.nps_ci95)
            rows.append(
                OrgUnitAggregateRow(
                    org_unit_code=code,
                    n=figures.n,
                    satisfied=q1.positive,
                    satisfaction_answered=q1.answered,
                    dont_know=q1.dont_know,
                    screened_out=total.screened_out,
                    satisfaction_share=present(figures.satisfaction_share),
                    nps=present(figures.nps),
                    promoters=figures.promoters,
                    passives=figures.passives,
                    detractors=figures.detractors,
                    nps_ci95=list(interval) if interval else None,
                    sample_ok=figures.sample_ok,
                    campaigns=sorted({campaigns[i] for i, _ in inside}),
                )
            )
        return OrgUnitAggregates(
            period=period.code,
            campaign_code=campaign,
            questionnaire_code=questionnaire,
            purpose=purpose,
            minimum_sample=minimum,
            rows=rows,
        )

    def _row(
        self,
        context: CampaignContext,
        period: Period,
        group_by: AggregateGroupBy | None,
        key: str | None,
        counts: dict[tuple[str, str | None], GroupCounts],
    ) -> SurveyAggregateRow:
        by_time = group_by in (AggregateGroupBy.MONTH, AggregateGroupBy.QUARTER)
        row_period = Period.parse(key) if by_time and key else period
        previous_period = row_period.previous()
        if by_time:
            current = _find(counts, key)
            previous = _find(counts, previous_period.code)
        else:
            current = counts.get((period.code, key), GroupCounts.empty())
            previous = counts.get((previous_period.code, key), GroupCounts.empty())
        minimum = context.minimum_sample
        figures = group_figures(current.n, _share(current), _nps(current), minimum_sample=minimum)
        before = group_figures(previous.n, _share(previous), _nps(previous), minimum_sample=minimum)
        questions = [
            QuestionShare(
                code=code,
                answered=current.satisfaction[i].answered,
                positive=current.satisfaction[i].positive,
                dont_know=current.satisfaction[i].dont_know,
                share=present(satisfaction_share(current.satisfaction[i].positive, current.satisfaction[i].answered)),
            )
            for i, code in enumerate(context.satisfaction_codes)
        ]
        nps_interval = present_interval(figures.nps_ci95)
        share_interval = present_interval(figures.satisfaction_ci95)
        return SurveyAggregateRow(
            org_unit_code=key if group_by is AggregateGroupBy.ORG_UNIT else None,
            channel=key if group_by is AggregateGroupBy.CHANNEL else None,
            period=row_period.code,
            n=figures.n,
            satisfaction_share=present(figures.satisfaction_share),
            dont_know=current.satisfaction[0].dont_know,
            screened_out=current.screened_out,
            satisfaction_ci95=list(share_interval) if share_interval else None,
            nps=present(figures.nps),
            promoters=figures.promoters,
            passives=figures.passives,
            detractors=figures.detractors,
            nps_ci95=list(nps_interval) if nps_interval else None,
            sample_ok=figures.sample_ok,
            questions=questions,
            previous=PreviousFigures(
                period=previous_period.code,
                n=before.n,
                satisfaction_share=present(before.satisfaction_share),
                dont_know=previous.satisfaction[0].dont_know,
                screened_out=previous.screened_out,
                nps=present(before.nps),
                sample_ok=before.sample_ok,
            ),
            satisfaction_change_significant=significant_change(
                _share(previous), _share(current), minimum_sample=minimum
            ),
            nps_change_significant=significant_change(_nps(previous), _nps(current), minimum_sample=minimum),
            suggested_satisfaction_target=present(suggested_target(figures.satisfaction_share)),
            suggested_nps_target=present(suggested_target(figures.nps, LONG_TERM_NPS)),
        )


def _sum_counts(items: list[GroupCounts]) -> GroupCounts:
    if not items:
        return GroupCounts.empty()
    slots = len(items[0].satisfaction)
    return GroupCounts(
        sum(c.n for c in items),
        tuple(
            SlotCounts(
                sum(c.satisfaction[i].positive for c in items),
                sum(c.satisfaction[i].answered for c in items),
                sum(c.satisfaction[i].dont_know for c in items),
            )
            for i in range(slots)
        ),
        sum(c.promoters for c in items),
        sum(c.passives for c in items),
        sum(c.detractors for c in items),
        sum(c.screened_out for c in items),
    )


def _share(counts: GroupCounts) -> ShareCounts:
    """The ``q1_process`` counts behind the satisfaction share: the method's four answers only."""
    q1 = counts.satisfaction[0]
    return ShareCounts(q1.positive, q1.answered)


def _nps(counts: GroupCounts) -> NpsCounts:
    return NpsCounts(counts.promoters, counts.passives, counts.detractors)


def _find(counts: dict[tuple[str, str | None], GroupCounts], key: str | None) -> GroupCounts:
    """A month's or quarter's counts, whichever query (current or previous period) found them."""
    return next((value for (_, k), value in counts.items() if k == key), GroupCounts.empty())


def _check_grouping(period: Period, group_by: AggregateGroupBy | None) -> None:
    if group_by is AggregateGroupBy.QUARTER and period.type is PeriodType.MONTH:
        raise Unprocessable("group_by=quarter needs a year or quarter period", pointer="/query/group_by")


def _keys(
    context: CampaignContext,
    period: Period,
    org_unit: str,
    group_by: AggregateGroupBy | None,
    counts: dict[tuple[str, str | None], GroupCounts],
) -> list[str | None]:
    """Row keys: every group that exists in the campaign (zero rows included) in a stable order."""
    found = {key for (p, key) in counts if p == period.code}
    if group_by is None:
        return [None]
    if group_by is AggregateGroupBy.ORG_UNIT:
        deployed = {u.code for u in context.units.values() if org_unit in u.lineage}
        return [*sorted(deployed | {k for k in found if k})]
    if group_by is AggregateGroupBy.CHANNEL:
        return [*sorted(set(context.channels) | {k for k in found if k})]
    target = PeriodType.MONTH if group_by is AggregateGroupBy.MONTH else PeriodType.QUARTER
    if period.type is target:
        return [period.code]
    return [p.code for p in period.children(target)]
