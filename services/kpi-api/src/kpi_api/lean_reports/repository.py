"""All SQL of the New-model report; summaries are one GROUP BY, limited to the caller's scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import ColumnElement, Numeric, and_, delete, func, or_, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kpi_api.lean_reports.form import WEIGHT_CELL
from kpi_api.models import LeanReport, LeanReportCell, OrgUnit
from kpi_api.scope import Scope
from zdrav_shared.orm import utcnow

AGG = Numeric(38, 10)


class CellTotals(NamedTuple):
    table: int
    row_type: str
    col: int
    value_sum: Decimal | None
    numerator_sum: Decimal | None
    denominator_sum: Decimal | None
    n: int
    weighted_sum: Decimal | None
    weights: int
    weight_sum: Decimal | None


class LeanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, org_unit_id: int, as_of: date) -> LeanReport | None:
        result = await self.session.execute(
            select(LeanReport).where(LeanReport.org_unit_id == org_unit_id, LeanReport.as_of == as_of)
        )
        return result.scalar_one_or_none()

    async def cells(self, report_id: int) -> list[LeanReportCell]:
        result = await self.session.execute(
            select(LeanReportCell)
            .where(LeanReportCell.report_id == report_id)
            .order_by(LeanReportCell.table_no, LeanReportCell.row_type, LeanReportCell.col)
        )
        return list(result.scalars())

    async def others_on(self, as_of: date, federation: bool) -> list[str]:
        """Codes of the reports of ``as_of`` on the other side: regions' when ``federation``, else the federation's."""
        query = (
            select(OrgUnit.code).join(LeanReport, LeanReport.org_unit_id == OrgUnit.id).where(LeanReport.as_of == as_of)
        )
        query = query.where(OrgUnit.level != "federation" if federation else OrgUnit.level == "federation")
        result = await self.session.execute(query.order_by(OrgUnit.code).limit(5))
        return list(result.scalars())

    async def replace_cells(self, report_id: int, cells: Sequence[LeanReportCell]) -> None:
        await self.session.execute(delete(LeanReportCell).where(LeanReportCell.report_id == report_id))
        self.session.add_all(cells)
        await self.session.flush()

    async def bump(self, report: LeanReport, by: str) -> bool:
        """Next version of ``report`` if it is still at the version read; ``report`` is re-read either way."""
        result = await self.session.execute(
            update(LeanReport)
            .where(LeanReport.id == report.id, LeanReport.version == report.version)
            .values(version=LeanReport.version + 1, updated_by=by, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(report)
        return bool(getattr(result, "rowcount", 0) == 1)

    def add(self, row: LeanReport) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def reports_in(self, as_of: date, roots: Sequence[str] | None, scope: Scope) -> list[str]:
        query = (
            select(OrgUnit.code)
            .join(LeanReport, LeanReport.org_unit_id == OrgUnit.id)
            .where(LeanReport.as_of == as_of, *self._where(roots, scope))
        )
        return list((await self.session.execute(query.order_by(OrgUnit.code))).scalars())

    @staticmethod
    def _where(roots: Sequence[str] | None, scope: Scope) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if roots is not None:
            conditions.append(or_(*[OrgUnit.path.startswith(p, autoescape=True) for p in roots]))
        limit = scope.clause(OrgUnit.path)
        if limit is not None:
            conditions.append(limit)
        return conditions

    async def totals(self, as_of: date, roots: Sequence[str] | None, scope: Scope) -> list[CellTotals]:
        """Per table, row type and graph: sums of values and counts, the reports giving it, and for
        means Σ value × weight, the weights found and Σ weight (weight: table 1 graph 2, same row type)."""
        c = LeanReportCell
        w = aliased(LeanReportCell, name="w")
        query = (
            select(
                c.table_no,
                c.row_type,
                c.col,
                type_coerce(func.sum(c.value), AGG),
                type_coerce(func.sum(c.numerator), AGG),
                type_coerce(func.sum(c.denominator), AGG),
                func.count(c.value),
                type_coerce(func.sum(c.value * w.value), AGG),
                func.count(w.value),
                type_coerce(func.sum(w.value), AGG),
            )
            .join(LeanReport, LeanReport.id == c.report_id)
            .join(OrgUnit, OrgUnit.id == LeanReport.org_unit_id)
            .outerjoin(
                w,
                and_(
                    w.report_id == c.report_id,
                    w.table_no == WEIGHT_CELL[0],
                    w.col == WEIGHT_CELL[1],
                    w.row_type == c.row_type,
                ),
            )
            .where(LeanReport.as_of == as_of, *self._where(roots, scope))
            .group_by(c.table_no, c.row_type, c.col)
        )
        return [CellTotals._make(row) for row in (await self.session.execute(query)).all()]
