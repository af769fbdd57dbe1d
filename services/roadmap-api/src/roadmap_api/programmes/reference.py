"""Loaders of the Murmansk programme reference files (data/reference/murmansk_plan.csv and
murmansk_financing.csv) into the typed records of :mod:`roadmap_api.programmes.rules`.

The loaders take explicit paths: the caller (demo-data seeding, tests) decides where the reference
directory is, so nothing here depends on the working directory.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from roadmap_api.programmes.rules import (
    KBK_PARTS,
    DeclaredAmount,
    FinancingLine,
    FundingSource,
    PlanItem,
    PlanLevel,
    parse_kbk_cell,
    parse_term,
)

TRUNCATED_NOTE = "row truncated in source"
_SPAN = re.compile(r"^(\d{4})-(\d{4})$")


class ReferenceFormatError(ValueError):
    """A reference file row that does not have the documented shape."""


@dataclass(frozen=True, slots=True)
class Financing:
    """A financing table split into facts and printed aggregates.

    ``lines``: activity × source × single year, ``total`` rows excluded — what sums are built from.
    ``declared``: every printed aggregate (``total`` rows, the whole-period column, the
    programme-level block). ``period``: first and last year of the whole-period column.
    """

    lines: list[FinancingLine]
    declared: list[DeclaredAmount]
    period: tuple[int, int]

    @property
    def truncated(self) -> list[FinancingLine | DeclaredAmount]:
        """Cells the source lost where it ends (Murmansk: row 9.5)."""
        cells: list[FinancingLine | DeclaredAmount] = [*self.lines, *self.declared]
        return [cell for cell in cells if cell.truncated]

    @property
    def financed_activities(self) -> set[int]:
        """Activity numbers that have any financing row."""
        return {line.activity_no for line in self.lines}


def _optional(text: str) -> str | None:
    return text.strip() or None


def load_plan(path: Path) -> list[PlanItem]:
    """Read ``murmansk_plan.csv``: goals, tasks and activities in printed order with typed terms."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            PlanItem(
                level=PlanLevel(row["level"]),
                number=int(row["number"]),
                goal_no=int(row["goal_no"]),
                task_no=int(row["task_no"]) if row["task_no"] else None,
                title_ru=row["title_ru"],
                start=parse_term(row["start"], _optional(row["start_iso"])),
                end=parse_term(row["end"], _optional(row["end_iso"])),
                responsible_ru=_optional(row["responsible_ru"]),
                result_ru=_optional(row["result_ru"]),
            )
            for row in csv.DictReader(handle)
        ]


def _amount(text: str, line_no: int) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ReferenceFormatError(f"line {line_no}: amount {text!r} is not a number") from exc


def load_financing(path: Path) -> Financing:
    """Read ``murmansk_financing.csv`` (long format) into a :class:`Financing`.

    Single years become facts for activity rows and declared amounts for the programme-level block;
    the ``2021-2025`` column and ``total`` rows are always declared. A note saying the row was
    truncated sets ``truncated`` on the record.
    """
    lines: list[FinancingLine] = []
    declared: list[DeclaredAmount] = []
    period: tuple[int, int] | None = None
    with path.open(encoding="utf-8", newline="") as handle:
        # Line 1 is the header, so data rows start at 2 (matching an editor's line numbers).
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            activity_no = int(row["activity_no"]) if row["activity_no"] else None
            source = FundingSource(row["source_code"])
            amount = _amount(row["amount_thousand_rub"], line_no)
            truncated = row["note"].startswith(TRUNCATED_NOTE)
            span = _SPAN.match(row["year"])
            if span:
                this_period = (int(span[1]), int(span[2]))
                if period is not None and this_period != period:
                    raise ReferenceFormatError(f"line {line_no}: second period column {row['year']}")
                period = this_period
                declared.append(DeclaredAmount(activity_no, source, None, amount, truncated))
                continue
            if not row["year"].isdigit():
                raise ReferenceFormatError(f"line {line_no}: year {row['year']!r}")
            year = int(row["year"])
            if activity_no is None or source is FundingSource.TOTAL:
                declared.append(DeclaredAmount(activity_no, source, year, amount, truncated))
            else:
                kbk = {part: parse_kbk_cell(part, row[f"kbk_{part}"]) for part in KBK_PARTS}
                lines.append(
                    FinancingLine(
                        activity_no,
                        source,
                        year,
                        amount,
                        row["row_no"],
                        truncated,
                        kbk if any(v is not None for v in kbk.values()) else None,
                    )
                )
    if period is None:
        raise ReferenceFormatError(f"{path.name}: no whole-period column")
    return Financing(lines, declared, period)
