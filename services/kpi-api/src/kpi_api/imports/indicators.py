"""Bulk import of indicators with their targets from CSV or XLSX, all rows or none.

One row per indicator and target: the first row of a code defines the indicator (unless it is already
in the catalogue), and every row with ``org_unit_code`` and ``period`` adds a target. Formulas may use
indicators of earlier rows.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.imports.cells import cell_number, printed_range
from kpi_api.imports.parsing import parse_decimal, read_table
from kpi_api.imports.schemas import IndicatorsImportReport, RowError
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.schemas import IndicatorCreate
from kpi_api.indicators.service import CATALOGUE_WRITERS, IndicatorService
from kpi_api.targets.schemas import TargetsPut
from kpi_api.targets.service import TargetService
from zdrav_shared.auth import Principal, require_role
from zdrav_shared.problems import ProblemError, pointer_from_loc

INDICATOR_COLUMNS = (
    "code", "name_ru", "name_en", "description", "unit", "kind", "formula", "aggregation", "time_aggregation",
    "direction", "periodicity", "precision", "source", "declared_min", "declared_max", "effective_from",
    "owner", "reporting_level", "scale", "monitoring_level", "control", "share_form", "cause_note_pct",
)  # fmt: skip
TARGET_COLUMNS = (
    "org_unit_code", "period", "baseline", "target", "note", "target_low", "target_high", "target_kind",
    "baseline_year", "baseline_calc",
)  # fmt: skip
YES = frozenset({"да", "yes", "true", "1"})


def _indicator_body(row: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {c: row[c] for c in INDICATOR_COLUMNS if row.get(c)}
    for name in ("declared_min", "declared_max", "scale", "cause_note_pct"):
        if name in body:
            body[name] = parse_decimal(body[name])
    if "control" in body:
        body["control"] = body["control"].strip().lower() in YES
    return body


def _target_item(row: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {c: row[c] for c in TARGET_COLUMNS if row.get(c)}
    if "target_kind" in item:  # "kind" is the indicator's (input or formula)
        item["kind"] = item.pop("target_kind")
    bounds = printed_range(item.get("target", ""))
    if bounds is not None:  # printed as a range: "4-14"
        del item["target"]
        item["target_low"], item["target_high"] = bounds
    for name in ("baseline", "target", "target_low", "target_high"):
        if isinstance(item.get(name), str):
            item[name] = cell_number(item[name])
    return item


def _errors(problem: ProblemError, row: int, strip: str = "") -> list[RowError]:
    if not problem.errors:
        return [RowError(row=row, pointer="/", message=problem.detail or problem.title, status=problem.status)]
    return [
        RowError(row=row, pointer=e.pointer.removeprefix(strip) or "/", message=e.message, status=problem.status)
        for e in problem.errors
    ]


async def import_indicators(
    session: AsyncSession, principal: Principal, content: bytes, *, dry_run: bool
) -> IndicatorsImportReport:
    require_role(principal, *CATALOGUE_WRITERS)
    # Parsing a 10 MiB workbook takes seconds of CPU: off the event loop, so the service keeps answering.
    rows = await asyncio.to_thread(read_table, content, ("code",))
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(v for v in r.values())]
    known = set((await IndicatorRepository(session).catalogue()).keys())
    errors: list[RowError] = []
    created = 0
    targets: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, row in numbered:
        code = row.get("code", "")
        if code not in known:
            try:
                await IndicatorService(session).create(principal, IndicatorCreate.model_validate(_indicator_body(row)))
                created += 1
                known.add(code)
            except ValidationError as exc:
                errors += [
                    RowError(row=number, pointer=pointer_from_loc(e["loc"]), message=e["msg"]) for e in exc.errors()
                ]
                continue
            except ProblemError as problem:
                errors += _errors(problem, number)
                continue
        if row.get("org_unit_code") or row.get("period"):
            targets.setdefault(code, []).append((number, _target_item(row)))
    targets_created = targets_updated = 0
    for code, items in targets.items():
        try:
            body = TargetsPut.model_validate({"items": [i for _, i in items], "reason": "import"})
            result = await TargetService(session).put(principal, code, body)
            targets_created += result.created
            targets_updated += result.updated
        except ValidationError as exc:
            for e in exc.errors():
                loc = list(e["loc"])
                index = loc[1] if len(loc) > 1 and loc[0] == "items" and isinstance(loc[1], int) else 0
                errors.append(RowError(row=items[index][0], pointer=pointer_from_loc(loc[2:]), message=e["msg"]))
        except ProblemError as problem:
            if not problem.errors:
                errors += _errors(problem, items[0][0])
            for field_error in problem.errors or []:
                parts = field_error.pointer.split("/")
                index = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
                field = "/" + "/".join(parts[3:]) if len(parts) > 3 else "/"
                errors.append(
                    RowError(row=items[index][0], pointer=field, message=field_error.message, status=problem.status)
                )
    apply = not errors and not dry_run
    if not apply:
        await session.rollback()
    return IndicatorsImportReport(
        dry_run=dry_run,
        applied=apply,
        rows=len(numbered),
        indicators_created=created if apply else 0,
        targets_created=targets_created if apply else 0,
        targets_updated=targets_updated if apply else 0,
        errors=sorted(errors, key=lambda e: e.row),
    )
