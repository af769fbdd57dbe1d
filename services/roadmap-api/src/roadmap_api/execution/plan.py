"""What a roadmap's plan measures: leaf tasks, recurring tasks' occurrences, the version in force.

Pure functions; the services load the rows and call them at approval (to freeze a version's plan) and
when a figure is asked for a roadmap that has no approved version yet (its working plan).

Rules (CONTRACT.md, roadmap-api; decisions where it is silent):

* **Only leaf tasks count.** A task is *in the plan* unless it is cancelled; a task in the plan with
  no child in the plan is a leaf and is measured; a task with subtasks is measured through them. An
  activity whose subtasks were all cancelled before approval is measured itself.
* **One-off tasks** (``once``) are one unit, due on their due date, complete when ``done`` with a
  ``completed_on``.
* **Ongoing activities** ("на постоянной основе", ``ongoing``) run from their start date to their
  due date (the end of the programme or of the roadmap's horizon) and are confirmed every quarter,
  the federal monitoring's rhythm ("не реже чем раз в квартал"): one unit per calendar quarter from
  the quarter of the start date to the quarter of the due date, due on the quarter's last day (the
  last one on the due date itself). A quarter is complete when a report for it (``PUT
  /v1/tasks/{id}/reports/2025Q1``) gives the date the activity was confirmed as carried out; on time
  when that date is on or before the quarter's due day.
* **Yearly activities** ("ежегодно", ``yearly``) — e.g. the territorial programme of state
  guarantees, adopted every year — are one unit per year, due on the anniversary of the due date's
  day and month in each year from the start date to the due date (29 February is the 28th in other
  years; an anniversary before the start date is not due). A year is complete when a report for it
  (``…/reports/2025``) gives the date.
* The task's own status never completes an occurrence: closing an ongoing activity as ``done`` does
  not confirm the quarters nobody reported.
* **The version in force** on a date is the approved version with the latest ``effective_from`` on or
  before it; a date before the first approval is measured against the first approved version (the
  only plan of record; dates are often asked back in time, and the working plan could have been
  rearranged since). A roadmap never approved is measured on its working plan.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from roadmap_api.execution.rules import TaskFact
from roadmap_api.tasks.rules import Recurrence, TaskStatus

ONE_OFF = ""


@dataclass(frozen=True, slots=True)
class PlanNode:
    """A live task as the plan needs it."""

    id: int
    parent_id: int | None
    status: TaskStatus
    start_date: date | None
    due_date: date
    recurrence: Recurrence = Recurrence.ONCE


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One unit of a task: ``period`` is ``""`` for a one-off task, else the quarter or year code."""

    period: str
    due_date: date


@dataclass(frozen=True, slots=True)
class PlanRow:
    """A row of a version's plan (``roadmap_version_tasks``)."""

    task_id: int
    occurrence: str
    start_date: date | None
    due_date: date
    recurrence: Recurrence
    measured: bool


@dataclass(frozen=True, slots=True)
class LiveState:
    """What a task is now: status, completion and cancellation dates."""

    status: TaskStatus
    completed_on: date | None = None
    cancelled_on: date | None = None


@dataclass(frozen=True, slots=True)
class VersionRef:
    """An approved version: its row id, number and the first day it is in force."""

    id: int
    number: int
    effective_from: date


def _quarter_end(year: int, quarter: int) -> date:
    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def _anniversary(year: int, model: date) -> date:
    day = min(model.day, calendar.monthrange(year, model.month)[1])
    return date(year, model.month, day)


def occurrences(recurrence: Recurrence, start_date: date | None, due_date: date) -> list[Occurrence]:
    """The units of a task (see the module notes); a one-off task has exactly one."""
    if recurrence is Recurrence.ONCE:
        return [Occurrence(ONE_OFF, due_date)]
    start = start_date if start_date is not None and start_date <= due_date else due_date
    if recurrence is Recurrence.ONGOING:
        found = []
        year, quarter = start.year, (start.month - 1) // 3 + 1
        while (year, quarter) <= (due_date.year, (due_date.month - 1) // 3 + 1):
            found.append(Occurrence(f"{year}Q{quarter}", min(_quarter_end(year, quarter), due_date)))
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        return found
    yearly = [Occurrence(str(year), _anniversary(year, due_date)) for year in range(start.year, due_date.year + 1)]
    return [o for o in yearly if o.due_date >= start]


def in_plan_leaves(nodes: Iterable[PlanNode]) -> tuple[set[int], set[int]]:
    """``(in_plan, leaves)``: ids of the tasks in the plan (not cancelled) and of those among them
    without a child in the plan."""
    nodes = list(nodes)
    in_plan = {n.id for n in nodes if n.status is not TaskStatus.CANCELLED}
    parents = {n.parent_id for n in nodes if n.id in in_plan and n.parent_id is not None}
    return in_plan, in_plan - parents


def plan_rows(nodes: Iterable[PlanNode]) -> list[PlanRow]:
    """The plan a version freezes: one row per task in the plan with its dates, and for a recurring
    leaf one measured row per occurrence (its own row is then not measured)."""
    nodes = sorted(nodes, key=lambda n: n.id)
    in_plan, leaves = in_plan_leaves(nodes)
    rows: list[PlanRow] = []
    for node in nodes:
        if node.id not in in_plan:
            continue
        leaf = node.id in leaves
        one_off = node.recurrence is Recurrence.ONCE
        rows.append(PlanRow(node.id, ONE_OFF, node.start_date, node.due_date, node.recurrence, leaf and one_off))
        if leaf and not one_off:
            for occ in occurrences(node.recurrence, node.start_date, node.due_date):
                rows.append(PlanRow(node.id, occ.period, node.start_date, occ.due_date, node.recurrence, True))
    return rows


def unit_facts(
    rows: Iterable[PlanRow], live: Mapping[int, LiveState], reports: Mapping[tuple[int, str], date]
) -> list[TaskFact]:
    """The measured rows of a plan as execution facts, with the tasks' live state: a one-off unit is
    complete when its task is ``done``; an occurrence when its period was reported. A cancelled
    task's open units carry the cancellation date (still due: cancelled after approval)."""
    facts = []
    for row in rows:
        if not row.measured:
            continue
        state = live.get(row.task_id, LiveState(TaskStatus.PLANNED))
        cancelled = state.status is TaskStatus.CANCELLED
        if row.occurrence == ONE_OFF:
            facts.append(TaskFact(state.status, row.due_date, state.completed_on, state.cancelled_on))
            continue
        reported = reports.get((row.task_id, row.occurrence))
        if reported is not None:
            facts.append(TaskFact(TaskStatus.DONE, row.due_date, reported))
        elif cancelled:
            facts.append(TaskFact(TaskStatus.CANCELLED, row.due_date, None, state.cancelled_on))
        else:
            facts.append(TaskFact(TaskStatus.PLANNED, row.due_date))
    return facts


def version_in_force(versions: Sequence[VersionRef], as_of: date) -> VersionRef | None:
    """The approved version execution is measured against on ``as_of`` (module notes); ``None`` when
    the roadmap has never been approved."""
    if not versions:
        return None
    on = [v for v in versions if v.effective_from <= as_of]
    if on:
        return max(on, key=lambda v: (v.effective_from, v.number))
    return min(versions, key=lambda v: v.number)
