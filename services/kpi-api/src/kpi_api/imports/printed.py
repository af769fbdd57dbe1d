"""Finding the printed totals of an imported file and checking them (the arithmetic: imports.totals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.imports.cells import cell_number, cell_state
from kpi_api.imports.schemas import RowWarning
from kpi_api.imports.totals import Part, total_warning
from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.org_units.repository import OrgUnitRepository


def _number(given: Any) -> Decimal | None:
    return given if isinstance(given, Decimal) else None


async def printed_totals(
    session: AsyncSession,
    numbered: list[tuple[int, dict[str, str]]],
    items: list[dict[str, Any]],
    labelled: list[tuple[int, dict[str, str]]],
) -> list[RowWarning]:
    """A warning per printed total that differs from the total of the rows it covers: a labelled row
    ("Итого") covers every bottom row of its indicator and period, an org unit's row the bottom rows
    below it. Bottom rows are those with no descendant among the file's rows."""
    codes = sorted({i["indicator_code"] for i in items} | {r.get("indicator_code", "") for _, r in labelled})
    indicators = await IndicatorRepository(session).get_many(codes)
    units = await OrgUnitRepository(session).get_many(sorted({i["org_unit_code"] for i in items}))
    groups: dict[tuple[str, str], list[tuple[int, str, dict[str, Any]]]] = {}
    for (row, _), item in zip(numbered, items, strict=True):
        unit = units.get(item["org_unit_code"])
        if unit is not None:
            groups.setdefault((item["indicator_code"], str(item["period"])), []).append((row, unit.path, item))
    warnings: list[RowWarning] = []
    for (code, _period), members in groups.items():
        indicator = indicators.get(code)
        if indicator is None:
            continue
        paths = [path for _, path, _ in members]
        bottom = [m for m in members if not any(p != m[1] and p.startswith(m[1]) for p in paths)]
        for row, path, item in members:
            covered = [m for m in bottom if m[1] != path and m[1].startswith(path)]
            printed = _number(item.get("value"))
            if covered and printed is not None:
                message = total_warning(indicator, printed, [_part(m) for m in covered])
                if message:
                    warnings.append(RowWarning(row=row, pointer="/value", message=message))
    for row, raw in labelled:
        indicator = indicators.get(raw.get("indicator_code", ""))
        text = raw.get("value", "")
        printed = None if not text or cell_state(text) else _number(cell_number(text))
        members = groups.get((raw.get("indicator_code", ""), raw.get("period", "")), [])
        if indicator is None or printed is None or not members:
            continue
        paths = [path for _, path, _ in members]
        bottom = [m for m in members if not any(p != m[1] and p.startswith(m[1]) for p in paths)]
        message = total_warning(indicator, printed, [_part(m) for m in bottom])
        if message:
            warnings.append(RowWarning(row=row, pointer="/value", message=message))
    return sorted(warnings, key=lambda w: w.row)


def _part(member: tuple[int, str, dict[str, Any]]) -> Part:
    row, _, item = member
    return Part(row, _number(item.get("value")), _number(item.get("numerator")), _number(item.get("denominator")))
