"""All SQL of the comments list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.aggregates.repository import period_filter
from survey_api.campaigns.repository import scope_clause
from survey_api.models import SurveyResponse as R
from zdrav_shared.periods import Period


class CommentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self,
        *,
        campaign_id: int,
        period: Period | None,
        subtree_code: str | None,
        scope_codes: Sequence[str] | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[R]:
        """Responses with free text, newest first (keyset on effective_at, id)."""
        query = select(R).where(R.campaign_id == campaign_id, R.has_text.is_(True))
        if period is not None:
            query = query.where(period_filter(period))
        if subtree_code is not None:
            query = query.where(R.org_unit_path.contains(f"/{subtree_code}/", autoescape=True))
        scoped = scope_clause(R.org_unit_path, scope_codes)
        if scoped is not None:
            query = query.where(scoped)
        if after is not None:
            at, last_id = after
            query = query.where(or_(R.effective_at < at, and_(R.effective_at == at, R.id < last_id)))
        query = query.order_by(R.effective_at.desc(), R.id.desc()).limit(limit)
        return list((await self.session.execute(query)).scalars())
