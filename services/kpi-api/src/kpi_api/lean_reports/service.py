"""The New-model report: the form, entry per region (or, for figures known only as federation
totals, the federation) and report date, and totals.

A report date is entered either region by region or once for the federation (figures the federal
centre has only as totals, such as the 2019 participation counts of its slides), never both: the
federation's totals add up the reports of the date, and both would count twice (409).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.audit.repository import AuditRepository
from kpi_api.lean_reports.form import Form, RowType, form
from kpi_api.lean_reports.repository import LeanRepository
from kpi_api.lean_reports.rules import check_rows
from kpi_api.lean_reports.schemas import (
    CellRead,
    FormColumn,
    FormRowType,
    FormTable,
    LeanForm,
    LeanReportPut,
    LeanReportRead,
    LeanRowRead,
    LeanSummary,
)
from kpi_api.lean_reports.summary import summary_tables
from kpi_api.models import LeanReport, LeanReportCell
from kpi_api.numbers import plain, present
from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.org_units.service import OrgUnitService
from kpi_api.scope import scope_of
from zdrav_shared.auth import Principal, Role, require_role, require_scope
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.ownership import DefinitionChange
from zdrav_shared.problems import Conflict, NotFound, Unprocessable

log = get_logger(__name__)

ENTITY = "lean_report"
WRITERS = (Role.FEDERAL, Role.REGIONAL_ADMIN)
FIRST_DATE = date(2015, 1, 1)
# A share is stored with the column's six places (numerator ÷ denominator × 100 rarely ends) and shown
# with two; the counts are exact.
STORED = Decimal("0.000001")
SHOWN_PLACES = 2


class LeanReportNotFound(NotFound):
    slug = "lean-report-not-found"
    title = "Lean report not found"


def form_read(the_form: Form | None = None) -> LeanForm:
    the_form = the_form or form()
    return LeanForm(
        title_ru=the_form.title_ru,
        row_types=[FormRowType(row_type=r, name_ru=n) for r, n in the_form.row_types],
        tables=[
            FormTable(
                table=t.table,
                title_ru=t.title_ru,
                label_ru=t.label_ru,
                columns=[
                    FormColumn(
                        col=c.col,
                        name_ru=c.name_ru,
                        group_ru=c.group_ru,
                        unit=c.unit,
                        phase=c.phase,
                        aggregation=c.aggregation,
                        entry="counts" if c.is_percent else "number",
                        not_applicable_rows=sorted(c.not_applicable),
                    )
                    for c in t.columns
                ],
                before_after_pairs=list(t.before_after_pairs),
                footer_ru=t.footer_ru,
            )
            for t in the_form.tables
        ],
    )


def _snapshot(cells: list[LeanReportCell]) -> dict[str, Any]:
    return {
        "cells": [
            [
                c.table_no,
                c.row_type,
                c.col,
                *(str(plain(x)) if x is not None else None for x in (c.value, c.numerator, c.denominator)),
            ]
            for c in sorted(cells, key=lambda c: (c.table_no, c.row_type, c.col))
        ]
    }


def _read(code: str, report: LeanReport, cells: list[LeanReportCell]) -> LeanReportRead:
    rows: dict[tuple[int, str], dict[str, CellRead]] = {}
    for cell in cells:
        rows.setdefault((cell.table_no, cell.row_type), {})[str(cell.col)] = CellRead(
            value=plain(present(cell.value, SHOWN_PLACES)) if cell.numerator is not None else plain(cell.value),
            numerator=plain(cell.numerator),
            denominator=plain(cell.denominator),
        )
    return LeanReportRead(
        region_code=code,
        as_of=report.as_of,
        rows=[LeanRowRead(table=t, row_type=RowType(r), cells=c) for (t, r), c in sorted(rows.items())],
        version=report.version,
        updated_by=report.updated_by,
        updated_at=report.updated_at,
    )


class LeanReportService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = LeanRepository(session)
        self.audit = AuditRepository(session)

    async def _unit(self, principal: Principal, code: str) -> Any:
        resolved = await OrgUnitService(self.session).resolve(code)
        if resolved.unit.level not in (OrgUnitLevel.REGION, OrgUnitLevel.FEDERATION):
            raise Unprocessable(
                f"{code} is a {resolved.unit.level}: the report is entered per region (or for the federation)",
                pointer="/region_code",
            )
        require_scope(principal, [u.code for u in resolved.lineage], code)
        return resolved.unit

    async def put(
        self, principal: Principal, code: str, as_of: date, body: LeanReportPut, if_match: str | None
    ) -> LeanReportRead:
        require_role(principal, *WRITERS)
        unit = await self._unit(principal, code)
        if not FIRST_DATE <= as_of <= date(2100, 12, 31):
            raise Unprocessable(f"as_of must be a report date from {FIRST_DATE.isoformat()} on", pointer="/as_of")
        cells, errors = check_rows(body.rows, form())
        if errors:
            raise Unprocessable(f"{len(errors)} cell(s) cannot be stored: {errors[0].message}", errors=errors)
        federation = unit.level == OrgUnitLevel.FEDERATION
        others = await self.repo.others_on(as_of, federation)
        if others:
            side = "regions (" + ", ".join(others) + ")" if federation else "the federation"
            raise Conflict(
                f"the report of {as_of.isoformat()} is already entered for {side}; a date is entered region by "
                "region or once for the federation, or its totals would count twice",
                reason="federation_and_regions",
            )
        report = await self.repo.get(unit.id, as_of)
        before = None
        if report is None:
            report = LeanReport(org_unit_id=unit.id, as_of=as_of, updated_by=principal.sub, version=1)
            self.repo.add(report)
            await self.repo.flush()
        else:
            check_if_match(if_match, report.version)
            before = _snapshot(await self.repo.cells(report.id))
        stored = [
            LeanReportCell(
                report_id=report.id,
                table_no=c.table,
                row_type=c.row_type.value,
                col=c.col,
                value=c.value.quantize(STORED) if c.numerator is not None else c.value,
                numerator=c.numerator,
                denominator=c.denominator,
            )
            for c in cells
        ]
        after = _snapshot(stored)
        if before != after:
            # Compare-and-set: of two writers that read the same version, one changes the report.
            if before is not None and not await self.repo.bump(report, principal.sub):
                raise Conflict(
                    f"the report of {code} on {as_of.isoformat()} changed meanwhile (now version {report.version}); "
                    "read it again and retry",
                    reason="concurrent_change",
                )
            await self.repo.replace_cells(report.id, stored)
            self.audit.record(
                ENTITY, report.id, "created" if before is None else "updated", principal.sub, before, after, body.reason
            )
            log.info("lean_report_stored", unit=code, as_of=as_of.isoformat(), cells=len(stored), by=principal.sub)
        return _read(code, report, await self.repo.cells(report.id))

    async def get(self, principal: Principal, code: str, as_of: date) -> LeanReportRead:
        unit = await self._unit(principal, code)
        report = await self.repo.get(unit.id, as_of)
        if report is None:
            raise LeanReportNotFound(f"no New-model report of {code} on {as_of.isoformat()}")
        return _read(code, report, await self.repo.cells(report.id))

    async def history(self, principal: Principal, code: str, as_of: date) -> list[DefinitionChange]:
        """Every change of a report, oldest first (the cells before and after, who, when, why)."""
        unit = await self._unit(principal, code)
        report = await self.repo.get(unit.id, as_of)
        if report is None:
            raise LeanReportNotFound(f"no New-model report of {code} on {as_of.isoformat()}")
        return [
            DefinitionChange(at=e.at, actor=e.actor, action=e.action, before=e.before, after=e.after, reason=e.reason)
            for e in await self.audit.events(ENTITY, [report.id])
        ]

    async def summary(self, principal: Principal, as_of: date, region: str | None) -> LeanSummary:
        scope = await scope_of(self.session, principal)
        roots = None
        if region is not None:
            unit = await OrgUnitRepository(self.session).get(region)
            if unit is None:
                raise Unprocessable(f"there is no org unit {region}", pointer="/query/region")
            scope.require(unit.path, unit.code)
            roots = [unit.path]
        totals = await self.repo.totals(as_of, roots, scope)
        return LeanSummary(
            as_of=as_of,
            region=region,
            reports=await self.repo.reports_in(as_of, roots, scope),
            tables=summary_tables(form(), totals),
        )
