"""Execution of a programme's plan at a date, over its activities (pure rules).

Each activity owes results according to its end term:

* an end **date** ("31.12.2025") owes one result, due that day;
* **annually** ("ежегодно") owes one result per year, due on 31 December of each year from the
  year it starts (the programme's first year when its start is not a date) to the programme's last
  year — each reported as done for that year;
* **ongoing** ("на постоянной основе") and an end that is an event owe no result on a date: they
  are never *due*, never overdue, and stay out of the percentage; they are listed as ``ongoing``
  with their latest report.

At ``as_of``: an obligation is *due* when its date is on or before ``as_of`` and the activity (or
that year) is not cancelled; *completed on time* when done with a completion date on or before both
its due date and ``as_of``; *completed late* when done after its due date but by ``as_of``;
*overdue* when due and not done by ``as_of``. ``execution_pct`` = completed (on time or late) ÷ due
× 100 — null when nothing is due — against the method's 90 % threshold, as for roadmaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from roadmap_api.programmes.rules import Term, TermKind

THRESHOLD_PCT = Decimal(90)
WHOLE = "all"


class ProgressStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Progress:
    status: ProgressStatus
    completed_on: date | None


@dataclass(frozen=True, slots=True)
class Activity:
    number: int
    start: Term
    end: Term


@dataclass(frozen=True, slots=True)
class Obligation:
    """One result an activity owes: ``period`` is ``all`` or the year (annual activities)."""

    activity_no: int
    period: str
    due_on: date


def obligations(activity: Activity, first_year: int, last_year: int) -> list[Obligation]:
    """Every dated result the activity owes over the programme."""
    if activity.end.kind is TermKind.DATE:
        assert activity.end.on is not None
        return [Obligation(activity.number, WHOLE, activity.end.on)]
    if activity.end.kind is TermKind.ANNUALLY:
        start = activity.start.on.year if activity.start.on is not None else first_year
        return [
            Obligation(activity.number, str(y), date(y, 12, 31)) for y in range(max(start, first_year), last_year + 1)
        ]
    return []


def period_of(activity: Activity, year: int | None) -> str:
    """Where a progress report of ``year`` goes: the year for annual activities, else ``all``."""
    if activity.end.kind is TermKind.ANNUALLY:
        if year is None:
            raise ValueError(f"activity {activity.number} is annual: report it per year")
        return str(year)
    if activity.end.kind is TermKind.DATE and year is not None:
        raise ValueError(f"activity {activity.number} ends on a date: report it as a whole, without a year")
    return str(year) if year is not None else WHOLE


@dataclass(frozen=True, slots=True)
class Counted:
    obligation: Obligation
    outcome: str  # completed_on_time, completed_late, overdue, not_due, cancelled


@dataclass(frozen=True, slots=True)
class Execution:
    due: int
    completed_on_time: int
    completed_late: int
    overdue: int
    cancelled: int
    execution_pct: Decimal | None
    meets_threshold: bool | None
    counted: list[Counted]
    ongoing: list[int]


def outcome(o: Obligation, progress: Progress | None, as_of: date) -> str:
    if progress is not None and progress.status is ProgressStatus.CANCELLED:
        return "cancelled"
    if o.due_on > as_of:
        return "not_due"
    done = (
        progress is not None
        and progress.status is ProgressStatus.DONE
        and progress.completed_on is not None
        and progress.completed_on <= as_of
    )
    if not done:
        return "overdue"
    assert progress is not None and progress.completed_on is not None
    return "completed_on_time" if progress.completed_on <= o.due_on else "completed_late"


def execute(
    activities: Sequence[Activity],
    progress: Mapping[tuple[int, str], Progress],
    as_of: date,
    first_year: int,
    last_year: int,
) -> Execution:
    """The programme's execution at ``as_of`` (see the module docstring)."""
    counted = [
        Counted(o, outcome(o, progress.get((o.activity_no, o.period)), as_of))
        for a in activities
        for o in obligations(a, first_year, last_year)
    ]
    n = {k: sum(1 for c in counted if c.outcome == k) for k in ("completed_on_time", "completed_late", "overdue")}
    due = sum(n.values())
    done = n["completed_on_time"] + n["completed_late"]
    exact = Decimal(done) * 100 / due if due else None
    pct = exact.quantize(Decimal("0.01"), ROUND_HALF_UP) if exact is not None else None
    ongoing = [a.number for a in activities if a.end.kind in (TermKind.ONGOING, TermKind.EVENT)]
    return Execution(
        due=due,
        completed_on_time=n["completed_on_time"],
        completed_late=n["completed_late"],
        overdue=n["overdue"],
        cancelled=sum(1 for c in counted if c.outcome == "cancelled" and c.obligation.due_on <= as_of),
        execution_pct=pct,
        meets_threshold=None if exact is None else exact >= THRESHOLD_PCT,
        counted=counted,
        ongoing=ongoing,
    )
