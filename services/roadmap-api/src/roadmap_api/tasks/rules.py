"""Pure rules for roadmap tasks: the tree, dates, statuses, the change journal and the roadmap status.

No I/O here: the service loads what it needs (parent links, the current row) and calls these
functions; every refusal is a typed :class:`TaskRuleError` subclass that the HTTP layer renders as a
specific 4xx problem.

Decisions:

* The tree has three levels, activity → task → subtask (GLOSSARY: мероприятие, задача, подзадача).
  A node's level is its depth; a subtask cannot have children.
* Status machine (CONTRACT.md): from ``planned`` or ``in_progress`` any status may be set directly
  (a task finished without ever being marked in progress is sent straight to ``done`` with its
  ``completed_on``); ``done`` and ``cancelled`` are reopened to ``in_progress`` only. Re-sending the
  current status is a no-op, not an error (PATCH is idempotent).
* ``completed_on`` is required for ``done`` and refused for every other status, so a task's
  completion date always means "it is done". It may not lie after ``today`` — the caller passes the
  current date *in the region's time zone* (Russia spans 11 zones), not the server's UTC date.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

MAX_DEPTH = 3


class TaskStatus(StrEnum):
    """Status of a task as sent in ``PATCH /v1/tasks/{id}``."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskLevel(IntEnum):
    """Level of a node in a roadmap's task tree; the value is its depth (root = 1)."""

    ACTIVITY = 1
    TASK = 2
    SUBTASK = 3


class RoadmapStatus(StrEnum):
    """Life cycle of a roadmap: ``scaled`` (тиражирована) follows ``completed`` once its solutions
    are rolled out beyond the pilot."""

    DRAFT = "draft"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    SCALED = "scaled"


class Recurrence(StrEnum):
    """How a task is carried out: once by its due date, on an ongoing basis ("на постоянной
    основе", confirmed every quarter) or every year ("ежегодно"). The execution rule of each is in
    :mod:`roadmap_api.execution.plan`."""

    ONCE = "once"
    ONGOING = "ongoing"
    YEARLY = "yearly"


# -- errors -----------------------------------------------------------------------------------


class TaskRuleError(Exception):
    """Base of every refusal in this module; ``code`` is a stable machine-readable slug."""

    code = "task_rule_violated"


class TaskTreeTooDeep(TaskRuleError):
    """The change would put a node below the subtask level."""

    code = "task_tree_too_deep"

    def __init__(self, depth: int) -> None:
        super().__init__(f"a task tree is at most {MAX_DEPTH} levels deep; this change needs {depth}")
        self.depth = depth


class TaskCycle(TaskRuleError):
    """The new parent is the task itself or one of its descendants."""

    code = "task_cycle"

    def __init__(self, task_id: object, parent_id: object) -> None:
        super().__init__(f"task {task_id} cannot be placed under {parent_id}: it is its own ancestor")
        self.task_id = task_id
        self.parent_id = parent_id


class InvalidDateRange(TaskRuleError):
    """``due_date`` is before ``start_date``."""

    code = "invalid_date_range"

    def __init__(self, start_date: date, due_date: date) -> None:
        super().__init__(f"due_date {due_date} is before start_date {start_date}")
        self.start_date = start_date
        self.due_date = due_date


class IllegalTaskTransition(TaskRuleError):
    """The task's status cannot move from ``current`` to ``new``."""

    code = "illegal_task_transition"

    def __init__(self, current: TaskStatus, new: TaskStatus) -> None:
        allowed = ", ".join(sorted(TASK_TRANSITIONS[current])) or "none"
        super().__init__(f"task status cannot change from {current} to {new} (allowed: {allowed})")
        self.current = current
        self.new = new


class CompletionDateRequired(TaskRuleError):
    """A task marked ``done`` has no ``completed_on``."""

    code = "completion_date_required"

    def __init__(self) -> None:
        super().__init__("a done task needs completed_on")


class CompletionDateNotAllowed(TaskRuleError):
    """``completed_on`` given for a task that is not ``done``."""

    code = "completion_date_not_allowed"

    def __init__(self, status: TaskStatus) -> None:
        super().__init__(f"completed_on is only allowed for done tasks, not {status}")
        self.status = status


class CompletionDateInFuture(TaskRuleError):
    """``completed_on`` lies after today."""

    code = "completion_date_in_future"

    def __init__(self, completed_on: date, today: date) -> None:
        super().__init__(f"completed_on {completed_on} is after today ({today})")
        self.completed_on = completed_on
        self.today = today


class IllegalRoadmapTransition(TaskRuleError):
    """The roadmap's status cannot move from ``current`` to ``new``."""

    code = "illegal_roadmap_transition"

    def __init__(self, current: RoadmapStatus, new: RoadmapStatus) -> None:
        nxt = ROADMAP_TRANSITIONS[current]
        super().__init__(f"roadmap status cannot change from {current} to {new} (allowed: {nxt or 'none'})")
        self.current = current
        self.new = new


# -- tree -------------------------------------------------------------------------------------


def ancestors(node_id: K, parent_of: Mapping[K, K | None]) -> list[K]:
    """Ancestors of ``node_id`` from its parent up to the root.

    Stops at a node seen twice, so corrupt data with a cycle cannot loop forever.
    """
    result: list[K] = []
    seen = {node_id}
    current = parent_of.get(node_id)
    while current is not None and current not in seen:
        result.append(current)
        seen.add(current)
        current = parent_of.get(current)
    return result


def would_create_cycle(task_id: K, new_parent_id: K | None, parent_of: Mapping[K, K | None]) -> bool:
    """True when making ``new_parent_id`` the parent of ``task_id`` would close a loop.

    ``parent_of`` maps every known task id to its parent id (``None`` for roots). Moving a task to
    the root (``new_parent_id is None``) never creates a cycle.
    """
    if new_parent_id is None:
        return False
    if new_parent_id == task_id:
        return True
    return task_id in ancestors(new_parent_id, parent_of)


def depth_of(node_id: K, parent_of: Mapping[K, K | None]) -> int:
    """Depth of a node, 1 for a root."""
    return 1 + len(ancestors(node_id, parent_of))


def subtree_height(node_id: K, parent_of: Mapping[K, K | None]) -> int:
    """Levels in the subtree rooted at ``node_id`` (1 for a leaf)."""
    children: dict[K, list[K]] = {}
    for child, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    height = 1
    frontier = [(node_id, 1)]
    seen = {node_id}
    while frontier:
        node, level = frontier.pop()
        height = max(height, level)
        for child in children.get(node, []):
            if child not in seen:
                seen.add(child)
                frontier.append((child, level + 1))
    return height


def level_under(parent_level: TaskLevel | None) -> TaskLevel:
    """Level of a new node created under a parent of ``parent_level`` (``None`` = root).

    Raises :class:`TaskTreeTooDeep` under a subtask.
    """
    depth = 1 if parent_level is None else parent_level + 1
    if depth > MAX_DEPTH:
        raise TaskTreeTooDeep(depth)
    return TaskLevel(depth)


def validate_move(task_id: K, new_parent_id: K | None, parent_of: Mapping[K, K | None]) -> TaskLevel:
    """Check that ``task_id`` (with its whole subtree) may be placed under ``new_parent_id``.

    Returns the task's new level. Raises :class:`TaskCycle` or :class:`TaskTreeTooDeep`; the depth
    check counts the deepest descendant, because moving a task moves its children with it.
    """
    if would_create_cycle(task_id, new_parent_id, parent_of):
        raise TaskCycle(task_id, new_parent_id)
    new_depth = 1 if new_parent_id is None else depth_of(new_parent_id, parent_of) + 1
    deepest = new_depth + subtree_height(task_id, parent_of) - 1
    if deepest > MAX_DEPTH:
        raise TaskTreeTooDeep(deepest)
    return TaskLevel(new_depth)


# -- dates and status -------------------------------------------------------------------------


def validate_dates(start_date: date | None, due_date: date) -> None:
    """Raise :class:`InvalidDateRange` when ``due_date`` is before ``start_date``.

    A one-day task (start = due) is valid; a task without a start date has nothing to compare.
    """
    if start_date is not None and due_date < start_date:
        raise InvalidDateRange(start_date, due_date)


TASK_TRANSITIONS: Mapping[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.PLANNED: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.PLANNED, TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset({TaskStatus.IN_PROGRESS}),
    TaskStatus.CANCELLED: frozenset({TaskStatus.IN_PROGRESS}),
}


def validate_status_change(current: TaskStatus, new: TaskStatus) -> None:
    """Raise :class:`IllegalTaskTransition` unless ``current → new`` is allowed (or a no-op)."""
    if new != current and new not in TASK_TRANSITIONS[current]:
        raise IllegalTaskTransition(current, new)


def validate_completion(status: TaskStatus, completed_on: date | None, *, today: date) -> None:
    """Check ``completed_on`` against the task's (new) status.

    ``done`` requires a date no later than ``today`` (the region's local date); any other status
    refuses a date.
    """
    if status is TaskStatus.DONE:
        if completed_on is None:
            raise CompletionDateRequired()
        if completed_on > today:
            raise CompletionDateInFuture(completed_on, today)
    elif completed_on is not None:
        raise CompletionDateNotAllowed(status)


ROADMAP_TRANSITIONS: Mapping[RoadmapStatus, RoadmapStatus | None] = {
    RoadmapStatus.DRAFT: RoadmapStatus.APPROVED,
    RoadmapStatus.APPROVED: RoadmapStatus.IN_PROGRESS,
    RoadmapStatus.IN_PROGRESS: RoadmapStatus.COMPLETED,
    RoadmapStatus.COMPLETED: RoadmapStatus.SCALED,
    RoadmapStatus.SCALED: None,
}
FINISHED_ROADMAP = frozenset({RoadmapStatus.COMPLETED, RoadmapStatus.SCALED})


def validate_roadmap_transition(current: RoadmapStatus, new: RoadmapStatus) -> None:
    """Allow only the next step ``draft → approved → in_progress → completed → scaled``.

    Skipping a step or going back raises :class:`IllegalRoadmapTransition`: an approved roadmap is
    locked (GLOSSARY: approval); changing its plan needs a revision (a new version), not a status
    edit.
    """
    if ROADMAP_TRANSITIONS[current] != new:
        raise IllegalRoadmapTransition(current, new)


# -- journal ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed field for the audit journal (who/when are added by the service)."""

    field: str
    before: object
    after: object


def diff(
    before: Mapping[str, object], after: Mapping[str, object], *, ignore: Collection[str] = ()
) -> list[FieldChange]:
    """Field-level changes between two snapshots of an entity.

    A key missing on one side counts as ``None`` there (a field set for the first time, or
    removed). Values are compared with ``==``, so ``Decimal("1.0")`` and ``Decimal("1.00")`` are
    no change. Fields come in the order of ``before``, then fields only in ``after``; ``ignore``
    drops bookkeeping fields such as ``updated_at``.
    """
    fields = [*before, *(k for k in after if k not in before)]
    changes: list[FieldChange] = []
    for name in fields:
        if name in ignore:
            continue
        old, new = before.get(name), after.get(name)
        if old != new:
            changes.append(FieldChange(name, old, new))
    return changes
