"""All SQL of campaigns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import Campaign, CampaignOrgUnit


def scope_clause(path_column: Any, scope_codes: Sequence[str] | None) -> ColumnElement[bool] | None:
    """``path LIKE '%/CODE/%'`` for any scope root; None means unrestricted."""
    if scope_codes is None:
        return None
    return or_(*[path_column.contains(f"/{code}/", autoescape=True) for code in scope_codes])


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> Campaign | None:
        return (await self.session.execute(select(Campaign).where(Campaign.code == code))).scalar_one_or_none()

    async def units(self, campaign_id: int) -> list[CampaignOrgUnit]:
        query = (
            select(CampaignOrgUnit)
            .where(CampaignOrgUnit.campaign_id == campaign_id)
            .order_by(CampaignOrgUnit.org_unit_code)
        )
        return list((await self.session.execute(query)).scalars())

    async def unit_codes(self, campaign_ids: Sequence[int]) -> dict[int, list[str]]:
        if not campaign_ids:
            return {}
        query = (
            select(CampaignOrgUnit.campaign_id, CampaignOrgUnit.org_unit_code)
            .where(CampaignOrgUnit.campaign_id.in_(list(campaign_ids)))
            .order_by(CampaignOrgUnit.org_unit_code)
        )
        found: dict[int, list[str]] = {}
        for campaign_id, code in (await self.session.execute(query)).all():
            found.setdefault(campaign_id, []).append(code)
        return found

    async def list(
        self,
        *,
        limit: int,
        after_code: str | None,
        status: str | None,
        org_unit: str | None,
        scope_codes: Sequence[str] | None,
        purpose: str | None = None,
        questionnaire_code: str | None = None,
    ) -> list[Campaign]:
        """Ordered by code; a campaign is visible when one of its org units is in scope."""
        query = select(Campaign)
        if status is not None:
            query = query.where(Campaign.status == status)
        if purpose is not None:
            query = query.where(Campaign.purpose == purpose)
        if questionnaire_code is not None:
            query = query.where(Campaign.questionnaire_code == questionnaire_code)
        if after_code is not None:
            query = query.where(Campaign.code > after_code)
        unit_filters = []
        if org_unit is not None:
            unit_filters.append(CampaignOrgUnit.org_unit_path.contains(f"/{org_unit}/", autoescape=True))
        scoped = scope_clause(CampaignOrgUnit.org_unit_path, scope_codes)
        if scoped is not None:
            unit_filters.append(scoped)
        if unit_filters:
            query = query.where(exists().where(CampaignOrgUnit.campaign_id == Campaign.id, *unit_filters))
        query = query.order_by(Campaign.code).limit(limit)
        return list((await self.session.execute(query)).scalars())

    def add(self, row: Campaign | CampaignOrgUnit) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
