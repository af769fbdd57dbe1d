"""Bulk import of values from CSV or XLSX: every row is checked by the same rules as ``POST /v1/values``;
all rows apply, or none (a dry run applies none). Cells are read as printed (:mod:`kpi_api.imports.cells`);
printed totals are kept and checked against the computed ones (:mod:`kpi_api.imports.totals`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.imports.cells import cell_number, cell_state, is_total_label
from kpi_api.imports.parsing import read_table
from kpi_api.imports.printed import printed_totals
from kpi_api.imports.schemas import RowError, ValuesImportReport
from kpi_api.values.schemas import ItemOutcome, ValuesPost
from kpi_api.values.service import ValueWriter
from zdrav_shared.auth import Principal

COLUMNS = ("indicator_code", "org_unit_code", "period", "value")


def _item(row: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {c: row.get(c, "") for c in COLUMNS}
    text = item.pop("value")
    state = cell_state(row.get("state", "")) if row.get("state") else None
    if state is None and text:
        state = cell_state(text)
        if state is not None:
            text = ""  # the value cell printed the state
    if state is not None:
        item["state"] = state.value
    if text:
        item["value"] = cell_number(text)
    for name in ("numerator", "denominator"):  # ratio indicators: the counts instead of the value
        if row.get(name):
            item[name] = cell_number(row[name])
    if row.get("comment"):
        item["comment"] = row["comment"]
    return item


async def import_values(
    session: AsyncSession,
    principal: Principal,
    clock: Callable[[], datetime],
    content: bytes,
    *,
    dry_run: bool,
    submit: bool,
) -> ValuesImportReport:
    # Parsing a 10 MiB workbook takes seconds of CPU: off the event loop, so the service keeps answering.
    rows = await asyncio.to_thread(read_table, content, COLUMNS)
    filled = [(n, r) for n, r in enumerate(rows, start=1) if any(v for v in r.values())]
    labelled = [(n, r) for n, r in filled if is_total_label(r.get("org_unit_code", ""))]
    numbered = [(n, r) for n, r in filled if not is_total_label(r.get("org_unit_code", ""))]
    if not numbered:
        return ValuesImportReport(dry_run=dry_run, applied=False, rows=len(filled), created=0, updated=0, errors=[])
    items = [_item(r) for _, r in numbered]
    body = ValuesPost.model_construct(items=items, submit=submit)
    result = await ValueWriter(session, clock).write(principal, body)
    errors: list[RowError] = []
    for outcome in result.results:
        if outcome.status is not ItemOutcome.REJECTED or outcome.problem is None:
            continue
        row_number = numbered[outcome.index][0]
        prefix = f"/items/{outcome.index}"
        for error in outcome.problem.errors or []:
            pointer = error.pointer.removeprefix(prefix) or "/"
            errors.append(
                RowError(row=row_number, pointer=pointer, message=error.message, status=outcome.problem.status)
            )
        if not outcome.problem.errors:
            message = outcome.problem.detail or outcome.problem.title
            errors.append(RowError(row=row_number, pointer="/", message=message, status=outcome.problem.status))
    warnings = [] if errors else await printed_totals(session, numbered, items, labelled)
    apply = not errors and not dry_run
    if not apply:
        # Nothing of a failed or trial import may stay: drop everything this request has written.
        await session.rollback()
    counts = [r.status for r in result.results]
    return ValuesImportReport(
        dry_run=dry_run,
        applied=apply,
        rows=len(filled),
        created=counts.count(ItemOutcome.CREATED) if apply else 0,
        updated=counts.count(ItemOutcome.UPDATED) if apply else 0,
        errors=errors,
        warnings=warnings,
    )
