"""All SQL of report types."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import ReportSubmission, ReportType


class ReportTypeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> ReportType | None:
        result = await self.session.execute(select(ReportType).where(ReportType.code == code))
        return result.scalar_one_or_none()

    async def list_all(self, include_inactive: bool) -> list[ReportType]:
        query = select(ReportType).order_by(ReportType.code)
        if not include_inactive:
            query = query.where(ReportType.active)
        result = await self.session.execute(query)
        return list(result.scalars())

    async def has_submissions(self, report_type_id: int) -> bool:
        result = await self.session.execute(
            select(ReportSubmission.id).where(ReportSubmission.report_type_id == report_type_id).limit(1)
        )
        return result.first() is not None

    def add(self, row: ReportType) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
