"""Plan execution of a roadmap (исполнение плана ДК), deviations from the baseline, and due states.

The execution figure follows CONTRACT.md (``GET /v1/roadmaps/{id}/execution``) over the *units* of a
plan — the leaf tasks, and each occurrence of a recurring one (:mod:`roadmap_api.execution.plan`
says which units a plan has and which version is in force):

* ``due`` — units with ``due_date <= as_of`` (the approved due date once the roadmap is approved);
* ``execution_pct`` — those of them completed on or before ``as_of`` ÷ ``due`` × 100, ``None`` when
  nothing is due;
* ``completed_late`` — completed after their ``due_date``;
* ``overdue`` — due and not completed; ``cancelled_after_approval`` counts those of them whose task
  was cancelled after the version was approved (they stay due until a revised version is approved
  without them).

Decisions, all taken so that ``due == completed_on_time + completed_late + overdue`` holds:

* Everything is judged *as of* ``as_of``: a task completed after ``as_of`` was not complete then, so
  it counts as ``overdue``, never as ``completed_late``. ``completed_late`` therefore counts only
  completions with ``due_date < completed_on <= as_of``; late completions count toward
  ``execution_pct`` (the contract counts every completion on or before ``as_of``).
* A task is complete when its status is ``done`` *and* it has a ``completed_on``; a ``done`` row
  without a date (legacy data — the task rules refuse it) cannot be shown to be complete by
  ``as_of`` and counts as overdue rather than inflating the figure.
* Which units are in the plan is the caller's business: a working plan (a roadmap never approved)
  leaves cancelled tasks out, an approved version keeps every task it was approved with. A cancelled
  unit passed here is therefore one cancelled after approval: not completed, and counted in
  ``cancelled_after_approval`` — for every ``as_of``, also one before the cancellation (it was not
  completed then either, and the label says what became of it).
* A task due on ``as_of`` itself and not yet completed is overdue — the contract's ``due`` includes
  ``due_date == as_of``; the list-view classification agrees so that the two never disagree.
* ``execution_pct`` is rounded half-up to ``precision`` places for presentation, while
  ``meets_threshold`` compares the exact ratio (89.996 % does not meet 90 %).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from roadmap_api.tasks.rules import TaskStatus

THRESHOLD_PCT = Decimal(90)
DEFAULT_SOON_DAYS = 7


@dataclass(frozen=True, slots=True)
class TaskFact:
    """What execution needs to know about one task."""

    status: TaskStatus
    due_date: date
    completed_on: date | None = None
    cancelled_on: date | None = None

    def completed_by(self, as_of: date) -> bool:
        """True when the task is done with a completion date on or before ``as_of``."""
        return self.status is TaskStatus.DONE and self.completed_on is not None and self.completed_on <= as_of


@dataclass(frozen=True, slots=True)
class Execution:
    """The execution figure of a roadmap as of a date (field names are the contract's)."""

    as_of: date
    due: int
    completed_on_time: int
    completed_late: int
    overdue: int
    execution_pct: Decimal | None
    threshold_pct: Decimal
    meets_threshold: bool | None
    cancelled_after_approval: int = 0


def compute_execution(
    tasks: Iterable[TaskFact],
    as_of: date,
    *,
    threshold_pct: Decimal = THRESHOLD_PCT,
    precision: int = 2,
) -> Execution:
    """Compute the plan-execution figure of the units ``tasks`` as of ``as_of`` (module notes)."""
    on_time = late = overdue = cancelled = 0
    for task in tasks:
        if task.due_date > as_of:
            continue
        if not task.completed_by(as_of):
            overdue += 1
            if task.status is TaskStatus.CANCELLED:
                cancelled += 1
        elif task.completed_on is not None and task.completed_on > task.due_date:
            late += 1
        else:
            on_time += 1
    return execution_from_counts(
        as_of, on_time, late, overdue, cancelled, threshold_pct=threshold_pct, precision=precision
    )


def execution_from_counts(
    as_of: date,
    on_time: int,
    late: int,
    overdue: int,
    cancelled_after_approval: int = 0,
    *,
    threshold_pct: Decimal = THRESHOLD_PCT,
    precision: int = 2,
) -> Execution:
    """The figure from already classified counts (e.g. a SQL GROUP BY over many roadmaps)."""
    due = on_time + late + overdue
    completed = on_time + late
    if due == 0:
        pct: Decimal | None = None
        meets: bool | None = None
    else:
        pct = (Decimal(completed) * 100 / due).quantize(Decimal(1).scaleb(-precision), ROUND_HALF_UP)
        # Exact comparison, independent of the presentation rounding above.
        meets = Decimal(completed) * 100 >= threshold_pct * due
    return Execution(
        as_of=as_of,
        due=due,
        completed_on_time=on_time,
        completed_late=late,
        overdue=overdue,
        execution_pct=pct,
        threshold_pct=threshold_pct,
        meets_threshold=meets,
        cancelled_after_approval=cancelled_after_approval,
    )


# -- plan vs fact -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deviation:
    """How far a task has drifted from its baseline (approved) plan, in days.

    ``reschedule_days``: current due date − baseline due date (positive = postponed).
    ``delay_days``: completion − baseline due date for a completed task (negative = early); for an
    open task the delay accrued so far, ``max(0, as_of − baseline due)``.
    ``settled``: True when the delay is final because the task is completed.
    """

    reschedule_days: int
    delay_days: int
    settled: bool


def deviation(
    baseline_due: date,
    current_due: date,
    completed_on: date | None,
    as_of: date,
) -> Deviation:
    """Deviation of one task from its baseline due date.

    The delay is measured against the *baseline*, not the current due date: a task postponed by
    30 days and finished on its new date is still 30 days late against the approved plan. A
    completion after ``as_of`` is not known as of then, so the task is treated as open.
    """
    reschedule = (current_due - baseline_due).days
    if completed_on is not None and completed_on <= as_of:
        return Deviation(reschedule, (completed_on - baseline_due).days, settled=True)
    return Deviation(reschedule, max(0, (as_of - baseline_due).days), settled=False)


# -- list view --------------------------------------------------------------------------------


class DueState(StrEnum):
    """Classification of a task in a list view."""

    DONE = "done"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_SCHEDULE = "on_schedule"


def classify(task: TaskFact, as_of: date, *, soon_within_days: int = DEFAULT_SOON_DAYS) -> DueState:
    """Classify a task for a list view as of ``as_of``.

    ``overdue`` matches the execution figure (due on or before ``as_of`` and not completed by then);
    ``due_soon`` means ``as_of < due_date <= as_of + soon_within_days``.
    """
    if soon_within_days < 0:
        raise ValueError("soon_within_days must not be negative")
    if task.status is TaskStatus.CANCELLED:
        return DueState.CANCELLED
    if task.completed_by(as_of):
        return DueState.DONE
    if task.due_date <= as_of:
        return DueState.OVERDUE
    if task.due_date <= as_of + timedelta(days=soon_within_days):
        return DueState.DUE_SOON
    return DueState.ON_SCHEDULE
