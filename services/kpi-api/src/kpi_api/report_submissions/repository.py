"""All SQL of report submissions; every read is limited to the caller's scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.models import OrgUnit, ReportSubmission
from kpi_api.scope import Scope


def _under(roots: Sequence[str] | None, scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if roots is not None:
        conditions.append(or_(*[OrgUnit.path.startswith(p, autoescape=True) for p in roots]))
    limit = scope.clause(OrgUnit.path)
    if limit is not None:
        conditions.append(limit)
    return conditions


class SubmissionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, report_type_id: int, org_unit_id: int, obligation: str) -> ReportSubmission | None:
        result = await self.session.execute(
            select(ReportSubmission).where(
                ReportSubmission.report_type_id == report_type_id,
                ReportSubmission.org_unit_id == org_unit_id,
                ReportSubmission.obligation == obligation,
            )
        )
        return result.scalar_one_or_none()

    async def expected_units(self, level: str, roots: Sequence[str] | None, scope: Scope) -> list[OrgUnit]:
        """Active org units of ``level`` under the roots (or everywhere), inside the scope, by code."""
        query = select(OrgUnit).where(OrgUnit.level == level, OrgUnit.active, *_under(roots, scope))
        result = await self.session.execute(query.order_by(OrgUnit.code).limit(20_001))
        return list(result.scalars())

    async def recorded(
        self,
        report_type_id: int,
        roots: Sequence[str] | None,
        scope: Scope,
        *,
        period: str | None = None,
        window: tuple[date, date] | None = None,
    ) -> list[tuple[ReportSubmission, OrgUnit]]:
        """Recorded obligations of a period (period reports) or with the event in ``window``."""
        query = (
            select(ReportSubmission, OrgUnit)
            .join(OrgUnit, OrgUnit.id == ReportSubmission.org_unit_id)
            .where(ReportSubmission.report_type_id == report_type_id, *_under(roots, scope))
        )
        if period is not None:
            query = query.where(ReportSubmission.period == period)
        if window is not None:
            query = query.where(ReportSubmission.event_date.between(window[0], window[1]))
        result = await self.session.execute(
            query.order_by(OrgUnit.code, ReportSubmission.event_date, ReportSubmission.id).limit(20_001)
        )
        return [(s, u) for s, u in result.all()]

    async def insert(self, row: ReportSubmission) -> bool:
        """Insert a new obligation; False when a concurrent request inserted the same one first."""
        try:
            async with self.session.begin_nested():
                self.session.add(row)
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def complete(self, row: ReportSubmission, submitted_at: datetime, on_time: bool, by: str) -> bool:
        """Mark an open obligation submitted, compare-and-set on its version and on being still open;
        False (and ``row`` re-read) when another request changed it first."""
        s = ReportSubmission
        result = await self.session.execute(
            update(s)
            .where(s.id == row.id, s.version == row.version, s.submitted_at.is_(None))
            .values(submitted_at=submitted_at, on_time=on_time, submitted_by=by, version=s.version + 1)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(row)
        return bool(getattr(result, "rowcount", 0) == 1)
