"""Bulk import of values from CSV or XLSX: every row is checked by the same rules as ``POST /v1/values``;
all rows apply, or none (a dry run applies none)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.imports.parsing import parse_decimal, read_table
from kpi_api.imports.schemas import RowError, ValuesImportReport
from kpi_api.values.schemas import ItemOutcome, ValuesPost
from kpi_api.values.service import ValueWriter
from zdrav_shared.auth import Principal

COLUMNS = ("indicator_code", "org_unit_code", "period", "value")


def _item(row: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {c: row.get(c, "") for c in COLUMNS}
    item["value"] = parse_decimal(item["value"]) if item["value"] else None
    for name in ("numerator", "denominator"):  # ratio indicators: the counts instead of the value
        if row.get(name):
            item[name] = parse_decimal(row[name])
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
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(v for v in r.values())]
    if not numbered:
        return ValuesImportReport(dry_run=dry_run, applied=False, rows=0, created=0, updated=0, errors=[])
    body = ValuesPost.model_construct(items=[_item(r) for _, r in numbered], submit=submit)
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
    apply = not errors and not dry_run
    if not apply:
        # Nothing of a failed or trial import may stay: drop everything this request has written.
        await session.rollback()
    counts = [r.status for r in result.results]
    return ValuesImportReport(
        dry_run=dry_run,
        applied=apply,
        rows=len(numbered),
        created=counts.count(ItemOutcome.CREATED) if apply else 0,
        updated=counts.count(ItemOutcome.UPDATED) if apply else 0,
        errors=errors,
    )
