"""Regional programme plans: goal → task → activity with terms, and financing by source and year.

Money is in thousand rubles, as exact Decimals; nothing here rounds.

Financing decisions (data/reference/README.md, Murmansk programme, Раздел III):

* A programme's ``total`` (Всего / Консолидированный бюджет) is the sum of the *component* sources
  in :data:`TOTAL_COMPONENTS`. The printed "в т.ч. … федерального бюджета" row is **not** part of the
  regional budget: regional + federal = total (checked in every year by the README and the tests).
* ``transfers_from_regional_budgets`` is printed as "в т.ч." under the municipal budgets; it is
  money the regional budget already counts, so adding it would count it twice — it is a memo line,
  not a component. ``additional_need`` (дополнительная потребность) is unfunded need, not
  financing. Both are 0 or empty throughout the Murmansk source, so the data cannot confirm this
  reading; the tests pin that they are zero there.
* An empty printed cell is ``None``. It counts as 0 in computed sums only because the source
  prints 0,0 as the row's period total; :func:`unproven_empty_cells` lists any empty cell for which
  that is not the case, so nothing is assumed silently. Reconciliation checks only amounts that
  were printed: an empty declared cell claims nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

# -- plan -------------------------------------------------------------------------------------


class TermKind(StrEnum):
    """How a start or end term of a plan item is expressed."""

    DATE = "date"
    ONGOING = "ongoing"  # "на постоянной основе"
    ANNUALLY = "annually"  # "ежегодно"
    EVENT = "event"  # "С момента вступления в силу …": starts with a legal event


ONGOING_RU = "на постоянной основе"
ANNUALLY_RU = "ежегодно"
EVENT_PREFIX_RU = "с момента"


class UnrecognisedTerm(ValueError):
    """A printed term that is neither a date nor one of the known phrases."""


@dataclass(frozen=True, slots=True)
class Term:
    """A start or end term: ``on`` is set exactly when ``kind`` is ``DATE``; ``text`` is as printed."""

    kind: TermKind
    on: date | None
    text: str


def parse_term(printed: str, iso: str | None) -> Term:
    """Type a printed term; ``iso`` is the ISO date the source gives when the term is a date."""
    text = printed.strip()
    if iso:
        return Term(TermKind.DATE, date.fromisoformat(iso), text)
    lowered = text.lower()
    if lowered == ONGOING_RU:
        return Term(TermKind.ONGOING, None, text)
    if lowered == ANNUALLY_RU:
        return Term(TermKind.ANNUALLY, None, text)
    if lowered.startswith(EVENT_PREFIX_RU):
        return Term(TermKind.EVENT, None, text)
    raise UnrecognisedTerm(f"unrecognised term {printed!r}")


class PlanLevel(StrEnum):
    """Level of an item in a programme plan."""

    GOAL = "goal"
    TASK = "task"
    ACTIVITY = "activity"


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One goal, task or activity; numbers are per level (activities run 1…N across tasks)."""

    level: PlanLevel
    number: int
    goal_no: int
    task_no: int | None
    title_ru: str
    start: Term
    end: Term
    responsible_ru: str | None
    result_ru: str | None


@dataclass(frozen=True, slots=True)
class PlanProblem:
    """Something in a plan worth a reviewer's attention."""

    level: PlanLevel
    number: int
    message: str


def _flagger(problems: list[PlanProblem], item: PlanItem) -> Callable[[str], None]:
    def flag(message: str) -> None:
        problems.append(PlanProblem(item.level, item.number, message))

    return flag


def check_plan(items: Sequence[PlanItem], *, programme_start: date | None = None) -> list[PlanProblem]:
    """Structural and date problems of a plan, in item order.

    Flags duplicate numbers, a task whose goal or an activity whose task is missing or belongs to
    another goal, an end date before the start date, and a start before ``programme_start``
    (Murmansk activity 8 starts 01.11.2020, two months before its 2021–2025 programme).
    """
    problems: list[PlanProblem] = []
    goals = {i.number for i in items if i.level is PlanLevel.GOAL}
    task_goal = {i.number: i.goal_no for i in items if i.level is PlanLevel.TASK}
    seen: set[tuple[PlanLevel, int]] = set()
    for item in items:
        flag = _flagger(problems, item)
        if (item.level, item.number) in seen:
            flag(f"duplicate {item.level} number")
        seen.add((item.level, item.number))
        if item.level is PlanLevel.TASK and item.goal_no not in goals:
            flag(f"goal {item.goal_no} does not exist")
        if item.level is PlanLevel.ACTIVITY:
            if item.task_no not in task_goal:
                flag(f"task {item.task_no} does not exist")
            elif task_goal[item.task_no] != item.goal_no:
                flag(f"task {item.task_no} belongs to goal {task_goal[item.task_no]}, not {item.goal_no}")
        start, end = item.start.on, item.end.on
        if start is not None and end is not None and end < start:
            flag(f"ends {end} before it starts {start}")
        if start is not None and programme_start is not None and start < programme_start:
            flag(f"starts {start}, before the programme starts {programme_start}")
    return problems


# -- financing --------------------------------------------------------------------------------


class FundingSource(StrEnum):
    """Source rows of a financing table (codes as in murmansk_financing.csv)."""

    TOTAL = "total"
    REGIONAL_BUDGET = "regional_budget"
    FEDERAL_TRANSFER = "federal_transfer"
    MUNICIPAL_BUDGETS = "municipal_budgets"
    TRANSFERS_FROM_REGIONAL_BUDGETS = "transfers_from_regional_budgets"
    EXTRABUDGETARY_FUNDS = "extrabudgetary_funds"
    LEGAL_ENTITIES = "legal_entities"
    ADDITIONAL_NEED = "additional_need"


TOTAL_COMPONENTS: frozenset[FundingSource] = frozenset(
    {
        FundingSource.REGIONAL_BUDGET,
        FundingSource.FEDERAL_TRANSFER,
        FundingSource.MUNICIPAL_BUDGETS,
        FundingSource.EXTRABUDGETARY_FUNDS,
        FundingSource.LEGAL_ENTITIES,
    }
)


@dataclass(frozen=True, slots=True)
class FinancingLine:
    """A printed amount of one activity, source and single year — the facts sums are built from.

    ``amount`` is ``None`` for an empty cell; ``truncated`` marks a cell lost where the source ends;
    ``kbk`` holds the budget classification codes printed beside it (see :func:`parse_kbk_cell`).
    """

    activity_no: int
    source: FundingSource
    year: int
    amount: Decimal | None
    row_no: str = ""
    truncated: bool = False
    kbk: dict[str, list[str] | str | None] | None = None


# -- budget classification codes (КБК) ------------------------------------------------------------

KBK_PARTS = ("glava", "razdel_podrazdel", "tselevaya_statya", "vid_raskhodov")
NOT_APPLICABLE = "x"


def parse_kbk_cell(part: str, printed: str) -> list[str] | str | None:
    """The codes of one printed KBK cell: ``None`` for an empty cell, ``"x"`` where the source
    prints "х"/"x" (not applicable — not empty, not 0), otherwise the list of codes.

    Several codes share a cell: joined with ";" in the reference files, or — in the chapter
    (глава), section (раздел/подраздел) and expense-type (вид расходов) columns, whose codes are
    single digit groups — separated by spaces ("805 807" is two chapters). A target article (целевая
    статья) is printed with inner spaces ("21 4 02 R365 0" is one code), so it splits on ";" only.
    """
    text = printed.strip()
    if not text:
        return None
    if text.lower() in {"x", "х"}:
        return NOT_APPLICABLE
    pieces = [p.strip() for p in text.split(";") if p.strip()]
    if part != "tselevaya_statya":
        pieces = [code for p in pieces for code in p.split()]
    return pieces


@dataclass(frozen=True, slots=True)
class DeclaredAmount:
    """A printed aggregate: a ``total`` row, a whole-period column, or the programme-level block.

    ``activity_no`` ``None`` = the whole programme; ``year`` ``None`` = the whole period column
    (``2021-2025``).
    """

    activity_no: int | None
    source: FundingSource
    year: int | None
    amount: Decimal | None
    truncated: bool = False


def _sum(amounts: Iterable[Decimal | None]) -> Decimal:
    # Empty cells add nothing; see unproven_empty_cells for why that is safe.
    return sum((a for a in amounts if a is not None), Decimal(0))


def computed_amount(
    lines: Iterable[FinancingLine], activity_no: int | None, source: FundingSource, year: int | None
) -> Decimal:
    """The amount implied by ``lines`` for an aggregate (``None`` = all activities / all years).

    ``source`` ``TOTAL`` sums the :data:`TOTAL_COMPONENTS`; any other source sums itself.
    """
    wanted = TOTAL_COMPONENTS if source is FundingSource.TOTAL else frozenset({source})
    return _sum(
        line.amount
        for line in lines
        if line.source in wanted
        and (activity_no is None or line.activity_no == activity_no)
        and (year is None or line.year == year)
    )


def totals_by_year(lines: Iterable[FinancingLine]) -> dict[int, Decimal]:
    """Total financing (sum of components) per year, years ascending."""
    out: defaultdict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.source in TOTAL_COMPONENTS and line.amount is not None:
            out[line.year] += line.amount
    return dict(sorted(out.items()))


def totals_by_source(lines: Iterable[FinancingLine]) -> dict[FundingSource, Decimal]:
    """Amount per source over all activities and years (memo sources included, as printed)."""
    out: defaultdict[FundingSource, Decimal] = defaultdict(Decimal)
    for line in lines:
        out[line.source] += line.amount or Decimal(0)
    return dict(out)


def totals_by_activity(lines: Iterable[FinancingLine]) -> dict[int, Decimal]:
    """Total financing (sum of components) per activity over all years, activities ascending."""
    out: defaultdict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        # Touch the key first so activities financed with nothing still appear with 0.
        out[line.activity_no] += Decimal(0)
        if line.source in TOTAL_COMPONENTS and line.amount is not None:
            out[line.activity_no] += line.amount
    return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A printed aggregate that differs from the sum of its parts."""

    activity_no: int | None
    year: int | None
    source: FundingSource
    declared: Decimal
    computed: Decimal

    def __str__(self) -> str:
        where = "programme" if self.activity_no is None else f"activity {self.activity_no}"
        when = "whole period" if self.year is None else str(self.year)
        return f"{where}, {when}, {self.source}: declared {self.declared}, computed {self.computed}"


def reconcile(lines: Sequence[FinancingLine], declared_totals: Iterable[DeclaredAmount]) -> list[Mismatch]:
    """Every printed aggregate that does not equal the sum computed from ``lines``.

    This checks, at once, that each activity's ``total`` row equals its component sources in each
    year, that each whole-period cell equals the sum of its years, and that the programme-level
    block equals the sum over activities. Empty declared cells are not claims and are skipped.
    """
    mismatches: list[Mismatch] = []
    for d in declared_totals:
        if d.amount is None:
            continue
        computed = computed_amount(lines, d.activity_no, d.source, d.year)
        if computed != d.amount:
            mismatches.append(Mismatch(d.activity_no, d.year, d.source, d.amount, computed))
    return mismatches


def unproven_empty_cells(
    lines: Iterable[FinancingLine], declared_totals: Iterable[DeclaredAmount]
) -> list[FinancingLine]:
    """Empty year cells whose row is not printed as 0 for the whole period.

    Amounts are not negative, so a row whose whole-period cell is printed 0 has 0 in every year and
    its empty cells are zeros. Any other empty cell (e.g. one lost in a truncated row) is returned
    for the caller to report.
    """
    zero_rows = {
        (d.activity_no, d.source) for d in declared_totals if d.year is None and d.amount is not None and d.amount == 0
    }
    return [line for line in lines if line.amount is None and (line.activity_no, line.source) not in zero_rows]
