"""Why an org unit's own cell has no number ("x", "нет должности", "-"): analytics gives the state as
the row's ``reason`` instead of a bare ``no_data``. Such cells never enter a roll-up (see
``analytics.repository._in_window``): a ratio stays Σ numerator ÷ Σ denominator over the units that
reported a number."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import IndicatorValue


async def value_states(
    session: AsyncSession,
    indicator_ids: Sequence[int],
    unit_ids: Sequence[int],
    periods: Sequence[str],
    statuses: tuple[str, ...] | None,
) -> dict[tuple[int, int, str], str]:
    """States by ``(indicator_id, org_unit_id, period)`` of the cells that hold no number."""
    if not indicator_ids or not unit_ids or not periods:
        return {}
    v = IndicatorValue
    query = select(v.indicator_id, v.org_unit_id, v.period, v.state).where(
        v.indicator_id.in_(sorted(set(indicator_ids))),
        v.org_unit_id.in_(sorted(set(unit_ids))),
        v.period.in_(sorted(set(periods))),
        v.state.is_not(None),
    )
    if statuses is not None:
        query = query.where(v.status.in_(statuses))
    return {(i, u, p): state for i, u, p, state in (await session.execute(query)).all() if state}
