"""All SQL of exports: one streamed SELECT on its own connection (not the request's session, which
is closed once the handler returns while the body is still being sent)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncEngine

from survey_api.aggregates.repository import responses_in
from survey_api.models import SurveyResponse as R
from zdrav_shared.periods import Period

EXPORT_COLUMNS = (
    R.id,
    R.org_unit_code,
    R.channel,
    R.entered_by,
    R.submitted_at,
    R.received_at,
    R.clock_skew,
    R.month,
    R.screened_out,
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
    query = select(*EXPORT_COLUMNS).where(*responses_in(campaign_id, period, subtree_code, scope_codes))
    query = query.order_by(R.effective_at, R.id).execution_options(yield_per=BATCH_ROWS)
    async with engine.connect() as connection:
        result = await connection.stream(query)
        async for batch in result.partitions(BATCH_ROWS):
            yield batch
