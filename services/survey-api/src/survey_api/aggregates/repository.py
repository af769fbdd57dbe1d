"""All SQL of aggregates: sums of the counts kept in ``response_counts`` (``aggregates.counting``),
grouped in the database; never rows loaded into Python, never the raw responses counted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.aggregates.counting import SLOTS
from survey_api.campaigns.repository import scope_clause
from survey_api.models import COUNT_COLUMNS, Campaign
from survey_api.models import ResponseCount as C
from survey_api.models import SurveyResponse as R
from zdrav_shared.periods import Period, PeriodType

GROUP_COLUMNS: dict[str, Any] = {
    "org_unit": C.org_unit_code,
    "channel": C.channel,
    "month": C.month,
    "quarter": C.quarter,
}


@dataclass(frozen=True, slots=True)
class SlotCounts:
    """Answers to one satisfaction question: ``positive`` (yes, rather_yes) of ``answered`` (one of
    the method's four answers), and ``dont_know`` beside them."""

    positive: int = 0
    answered: int = 0
    dont_know: int = 0


@dataclass(frozen=True, slots=True)
class GroupCounts:
    n: int
    """Responses that count: screened-out ones are not among them."""
    satisfaction: tuple[SlotCounts, ...]
    """For ``sat1`` … ``sat5``."""
    promoters: int
    passives: int
    detractors: int
    screened_out: int = 0
    """Responses kept out by a screening «no»: in no other count."""

    @classmethod
    def empty(cls) -> GroupCounts:
        return cls(0, (SlotCounts(),) * SLOTS, 0, 0, 0, 0)


def period_filter(period: Period, table: Any = R) -> ColumnElement[bool]:
    """Rows of a period, by their local month (a year by its four quarters); ``table`` is
    ``responses`` or ``response_counts`` (both have ``quarter`` and ``month``)."""
    if period.type is PeriodType.MONTH:
        # The quarter is implied (ingestion stores the month's own quarter) but spelled out: the
        # indexes lead with (campaign_id, quarter, month), and without it a month would be a
        # filter over its whole campaign instead of a range of the index.
        return and_(table.quarter == period.parent(PeriodType.QUARTER).code, table.month == period.code)
    if period.type is PeriodType.QUARTER:
        return cast(ColumnElement[bool], table.quarter == period.code)
    return cast(ColumnElement[bool], table.quarter.in_([q.code for q in period.children(PeriodType.QUARTER)]))


def responses_in(
    campaign_id: int, period: Period, subtree_code: str, scope_codes: Sequence[str] | None, table: Any = R
) -> list[ColumnElement[bool]]:
    """The WHERE of aggregates (over ``response_counts``) and exports (over ``responses``): a
    campaign's rows of a period in the subtree of ``subtree_code`` (a path match), restricted to the
    caller's scope."""
    clauses = [
        table.campaign_id == campaign_id,
        period_filter(period, table),
        table.org_unit_path.contains(f"/{subtree_code}/", autoescape=True),
    ]
    scoped = scope_clause(table.org_unit_path, scope_codes)
    if scoped is not None:
        clauses.append(scoped)
    return clauses


def _sums() -> list[Any]:
    return [func.sum(C.__table__.c[name]) for name in COUNT_COLUMNS]


def counts_query(
    *,
    campaign_id: int,
    period: Period,
    subtree_code: str,
    scope_codes: Sequence[str] | None,
    group_by: str | None,
) -> Select[Any]:
    """The GROUP BY of ``AggregateRepository.counts``, over ``response_counts``: a few rows per org
    unit, month and channel whatever the number of responses (``aggregates.counting``).

    Rows: ``key, n, screened_out, (positive, answered, dont_know) × SLOTS, promoters, passives,
    detractors`` (``COUNT_COLUMNS``)."""
    key = GROUP_COLUMNS[group_by] if group_by else None
    query = select(key.label("key") if key is not None else literal(None), *_sums()).where(
        *responses_in(campaign_id, period, subtree_code, scope_codes, C)
    )
    if key is not None:
        query = query.group_by(key)
    return query


def counts_by_path_query(
    *,
    campaign_ids: Sequence[int],
    period: Period,
    subtree_codes: Sequence[str],
    scope_codes: Sequence[str] | None,
) -> Select[Any]:
    """The GROUP BY of ``AggregateRepository.counts_by_path``, over ``response_counts`` too."""
    query = (
        select(C.org_unit_path, C.campaign_id, *_sums())
        .where(
            C.campaign_id.in_(sorted(set(campaign_ids))),
            period_filter(period, C),
            or_(*[C.org_unit_path.contains(f"/{code}/", autoescape=True) for code in subtree_codes]),
        )
        .group_by(C.org_unit_path, C.campaign_id)
    )
    scoped = scope_clause(C.org_unit_path, scope_codes)
    if scoped is not None:
        query = query.where(scoped)
    return query


def _group_counts(values: Sequence[Any]) -> GroupCounts:
    counts = [int(v or 0) for v in values]
    n, screened_out = counts[0], counts[1]
    slots = tuple(SlotCounts(*counts[2 + 3 * i : 5 + 3 * i]) for i in range(SLOTS))
    promoters, passives, detractors = counts[-3:]
    return GroupCounts(n, slots, promoters, passives, detractors, screened_out)


class AggregateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(
        self,
        *,
        campaign_id: int,
        period: Period,
        subtree_code: str,
        scope_codes: Sequence[str] | None,
        group_by: str | None,
    ) -> dict[str | None, GroupCounts]:
        """Counts per group for the subtree of ``subtree_code`` (a path match: sums over the whole
        subtree), restricted to the caller's scope."""
        query = counts_query(
            campaign_id=campaign_id,
            period=period,
            subtree_code=subtree_code,
            scope_codes=scope_codes,
            group_by=group_by,
        )
        found: dict[str | None, GroupCounts] = {}
        for row in (await self.session.execute(query)).all():
            counts = _group_counts(row[1:])
            if counts.n == 0 and counts.screened_out == 0:
                continue
            found[row[0]] = counts
        return found

    async def campaigns_overlapping(
        self, period: Period, *, questionnaire_code: str, purpose: str | None = None
    ) -> dict[int, str]:
        """``{id: code}`` of the campaigns of one questionnaire (any version) whose dates overlap the
        period (every such campaign that can hold responses of it), of one purpose if given."""
        query = select(Campaign.id, Campaign.code).where(
            Campaign.questionnaire_code == questionnaire_code,
            Campaign.starts_on <= period.end,
            Campaign.ends_on >= period.start,
        )
        if purpose is not None:
            query = query.where(Campaign.purpose == purpose)
        result = await self.session.execute(query)
        return {i: c for i, c in result.all()}

    async def counts_by_path(
        self,
        *,
        campaign_ids: Sequence[int],
        period: Period,
        subtree_codes: Sequence[str],
        scope_codes: Sequence[str] | None,
    ) -> list[tuple[str, int, GroupCounts]]:
        """``(org_unit_path, campaign_id, counts)`` of every responding unit inside the subtrees of
        ``subtree_codes``: one GROUP BY over the covering (campaign, quarter, month) index; the caller
        sums the few hundred count rows up to each subtree (a sum of counts, never of percentages)."""
        if not campaign_ids or not subtree_codes:
            return []
        query = counts_by_path_query(
            campaign_ids=campaign_ids, period=period, subtree_codes=subtree_codes, scope_codes=scope_codes
        )
        found = []
        for path, campaign_id, *measures in (await self.session.execute(query)).all():
            counts = _group_counts(measures)
            # counts_by_path reports the first satisfaction question only, as it always has.
            slots = (counts.satisfaction[0],) + (SlotCounts(),) * (SLOTS - 1)
            found.append((path, int(campaign_id), replace(counts, satisfaction=slots)))
        return found
