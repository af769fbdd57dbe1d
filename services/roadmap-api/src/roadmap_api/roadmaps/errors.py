"""Typed problems of roadmaps and tasks; the domain's TaskRuleErrors are translated here."""

from __future__ import annotations

from roadmap_api.tasks.rules import (
    CompletionDateInFuture,
    CompletionDateNotAllowed,
    CompletionDateRequired,
    IllegalRoadmapTransition,
    IllegalTaskTransition,
    InvalidDateRange,
    TaskCycle,
    TaskRuleError,
    TaskTreeTooDeep,
)
from zdrav_shared.problems import Conflict, NotFound, ProblemError, Unprocessable


class RoadmapNotFound(NotFound):
    slug = "roadmap-not-found"
    title = "Roadmap not found"

    def __init__(self, roadmap_id: int) -> None:
        super().__init__(f"there is no roadmap {roadmap_id}", roadmap_id=roadmap_id)


class TaskNotFound(NotFound):
    slug = "task-not-found"
    title = "Task not found"

    def __init__(self, task_id: int) -> None:
        super().__init__(f"there is no task {task_id}", task_id=task_id)


class BaselineLocked(Conflict):
    slug = "roadmap-baseline-locked"
    title = "The roadmap's approved baseline cannot be changed"

    def __init__(self, roadmap_id: int, status: str, what: str) -> None:
        super().__init__(
            f"roadmap {roadmap_id} is {status}: its approved baseline ({what}) is locked; "
            f"open a revision (POST /v1/roadmaps/{roadmap_id}/revisions with a reason) to change it",
            roadmap_id=roadmap_id,
            reason="baseline_locked",
        )


class RoadmapCompleted(Conflict):
    slug = "roadmap-completed"
    title = "The roadmap is completed"

    def __init__(self, roadmap_id: int) -> None:
        super().__init__(f"roadmap {roadmap_id} is completed and can no longer change", reason="roadmap_completed")


class IllegalTransition(Conflict):
    slug = "illegal-transition"
    title = "Status change not allowed"


class DuplicateKpi(Unprocessable):
    slug = "duplicate-kpi"
    title = "A KPI is linked twice"


_POINTERS: dict[type[TaskRuleError], str] = {
    InvalidDateRange: "/due_date",
    TaskCycle: "/parent_id",
    TaskTreeTooDeep: "/parent_id",
    CompletionDateRequired: "/completed_on",
    CompletionDateNotAllowed: "/completed_on",
    CompletionDateInFuture: "/completed_on",
}


def translate(error: TaskRuleError) -> ProblemError:
    """The problem a domain refusal becomes: state conflicts are 409, bad values 422."""
    if isinstance(error, IllegalTaskTransition | IllegalRoadmapTransition):
        return IllegalTransition(str(error), reason=error.code)
    pointer = _POINTERS.get(type(error))
    return Unprocessable(str(error), pointer=pointer, reason=error.code)
