"""All SQL of the indicator catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import Indicator, IndicatorFormulaVersion, IndicatorValue, OrgUnit

APPROVED = "approved"


def starts_on_or_after(day: date) -> ColumnElement[bool]:
    """Values whose period starts on or after ``day`` (the first day of a month)."""
    v = IndicatorValue
    span = case((v.period_type == "year", 11), (v.period_type == "quarter", 2), else_=0)
    first_month = v.end_month - span
    return or_(v.year > day.year, and_(v.year == day.year, first_month >= day.month))


class IndicatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> Indicator | None:
        result = await self.session.execute(select(Indicator).where(Indicator.code == code))
        return result.scalar_one_or_none()

    async def get_many(self, codes: Sequence[str]) -> dict[str, Indicator]:
        if not codes:
            return {}
        result = await self.session.execute(select(Indicator).where(Indicator.code.in_(sorted(set(codes)))))
        return {i.code: i for i in result.scalars()}

    async def catalogue(self) -> dict[str, Indicator]:
        """Every indicator by code: formulas are checked against the whole catalogue (hundreds of rows)."""
        result = await self.session.execute(select(Indicator))
        return {i.code: i for i in result.scalars()}

    async def list_indicators(
        self,
        *,
        limit: int,
        after_code: str | None = None,
        kind: str | None = None,
        source: str | None = None,
        periodicity: str | None = None,
        search: str | None = None,
        owner: str | None = None,
    ) -> list[Indicator]:
        query = select(Indicator)
        if owner is not None:
            query = query.where(Indicator.owner == owner)
        if after_code is not None:
            query = query.where(Indicator.code > after_code)
        if kind is not None:
            query = query.where(Indicator.kind == kind)
        if source is not None:
            query = query.where(Indicator.source == source)
        if periodicity is not None:
            query = query.where(Indicator.periodicity == periodicity)
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(
                or_(func.lower(Indicator.name_ru).like(pattern), func.lower(Indicator.code).like(pattern))
            )
        result = await self.session.execute(query.order_by(Indicator.code).limit(limit))
        return list(result.scalars())

    async def formula_versions(self, indicator_ids: Sequence[int]) -> dict[int, list[IndicatorFormulaVersion]]:
        """Versions per indicator in creation order (``effective_version`` relies on that order)."""
        if not indicator_ids:
            return {}
        result = await self.session.execute(
            select(IndicatorFormulaVersion)
            .where(IndicatorFormulaVersion.indicator_id.in_(sorted(set(indicator_ids))))
            .order_by(IndicatorFormulaVersion.indicator_id, IndicatorFormulaVersion.id)
        )
        versions: dict[int, list[IndicatorFormulaVersion]] = {}
        for version in result.scalars():
            versions.setdefault(version.indicator_id, []).append(version)
        return versions

    async def first_approved(self, indicator_ids: Sequence[int], from_day: date) -> tuple[str, str] | None:
        """``(indicator code, period)`` of the earliest approved value of those indicators in a period
        starting on or after ``from_day``, or None."""
        if not indicator_ids:
            return None
        v = IndicatorValue
        result = await self.session.execute(
            select(Indicator.code, v.period)
            .join(Indicator, Indicator.id == v.indicator_id)
            .where(v.indicator_id.in_(sorted(set(indicator_ids))), v.status == APPROVED, starts_on_or_after(from_day))
            .order_by(
                v.year, v.end_month - case((v.period_type == "year", 11), (v.period_type == "quarter", 2), else_=0)
            )
            .limit(1)
        )
        row = result.first()
        return None if row is None else (row[0], row[1])

    async def approved_levels(self, indicator_id: int) -> dict[str, str]:
        """The org-unit levels holding approved values of the indicator, each with its earliest period."""
        v = IndicatorValue
        result = await self.session.execute(
            select(OrgUnit.level, func.min(v.period))
            .join(OrgUnit, OrgUnit.id == v.org_unit_id)
            .where(v.indicator_id == indicator_id, v.status == APPROVED)
            .group_by(OrgUnit.level)
        )
        return {level: period for level, period in result.all()}

    async def first_value(self, indicator_id: int, status: str | None = None) -> str | None:
        """The earliest period with a value of the indicator (of ``status`` if given), or None."""
        query = select(func.min(IndicatorValue.period)).where(IndicatorValue.indicator_id == indicator_id)
        if status is not None:
            query = query.where(IndicatorValue.status == status)
        found: str | None = (await self.session.execute(query)).scalar_one_or_none()
        return found

    def add(self, row: Indicator | IndicatorFormulaVersion) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
