"""All SQL of exports: one streamed SELECT on its own connection (not the request's session, which
is closed once the handler returns while the body is still being sent)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncEngine

from survey_api.aggregates.repository import period_filter
from survey_api.campaigns.repository import scope_clause
from survey_api.models import SurveyResponse as R
from zdrav_shared.periods import Period

EXPORT_COLUMNS = (
    R.id,
    R.org_unit_code,
    R.channel,
    R.submitted_at,
    R.received_at,
    R.clock_skew,
    R.month,
    R.answers,
)
BATCH_ROWS = 1000


async def stream_responses(
    engine: AsyncEngine,
    *,
    campaign_id: int,
    period: Period,
    subtree_code: str,
    scope_codes: Sequence[str] | None,
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Batches of rows in (effective_at, id) order, fetched with a server-side cursor."""
    query = select(*EXPORT_COLUMNS).where(
        R.campaign_id == campaign_id,
        period_filter(period),
        R.org_unit_path.contains(f"/{subtree_code}/", autoescape=True),
    )
    scoped = scope_clause(R.org_unit_path, scope_codes)
    if scoped is not None:
        query = query.where(scoped)
    query = query.order_by(R.effective_at, R.id).execution_options(yield_per=BATCH_ROWS)
    async with engine.connect() as connection:
        result = await connection.stream(query)
        async for batch in result.partitions(BATCH_ROWS):
            yield batch
