"""What happens to a project after the vote, as statuses (Krasnoyarsk: the winners were given a month
to refine, studied by the Commission for the development of health care, and pilot sites were
chosen for the most relevant ones).

    drafted → selected → refinement → commission_review → pilot → implementation
                 ↘──────────────↘────────────↘──────────────↘→ rejected

* ``refinement`` needs its deadline (``refinement_due``); the project reads as overdue after it.
* ``commission_review`` may send a project back to ``refinement`` (with a new deadline).
* ``pilot`` needs at least one pilot site (organisations of the session's region).
* ``selected`` may be skipped (a winner may go straight to refinement); ``rejected`` ends the road.
* A project counts as *selected for implementation* while its status is anything from ``selected``
  on, except ``rejected``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class ProjectStatus(StrEnum):
    DRAFTED = "drafted"
    SELECTED = "selected"
    REFINEMENT = "refinement"
    COMMISSION_REVIEW = "commission_review"
    PILOT = "pilot"
    IMPLEMENTATION = "implementation"
    REJECTED = "rejected"


S = ProjectStatus
NEXT: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    S.DRAFTED: frozenset({S.SELECTED, S.REFINEMENT, S.REJECTED}),
    S.SELECTED: frozenset({S.REFINEMENT, S.COMMISSION_REVIEW, S.REJECTED}),
    S.REFINEMENT: frozenset({S.COMMISSION_REVIEW, S.REJECTED}),
    S.COMMISSION_REVIEW: frozenset({S.REFINEMENT, S.PILOT, S.IMPLEMENTATION, S.REJECTED}),
    S.PILOT: frozenset({S.IMPLEMENTATION, S.REJECTED}),
    S.IMPLEMENTATION: frozenset(),
    S.REJECTED: frozenset(),
}
SELECTED_STATUSES = frozenset({S.SELECTED, S.REFINEMENT, S.COMMISSION_REVIEW, S.PILOT, S.IMPLEMENTATION})


class PipelineError(ValueError):
    """``code`` is a stable slug; ``pointer`` the field to fix (None for a state conflict)."""

    def __init__(self, message: str, code: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.pointer = pointer


def check_transition(
    current: ProjectStatus, new: ProjectStatus, refinement_due: date | None, pilot_sites: list[str]
) -> None:
    """Raise :class:`PipelineError` unless ``current`` may move to ``new`` with these details."""
    if new not in NEXT[current]:
        allowed = ", ".join(sorted(NEXT[current])) or "nothing (final)"
        raise PipelineError(f"a {current} project cannot become {new}; allowed: {allowed}", "illegal_transition")
    if new is S.REFINEMENT and refinement_due is None:
        raise PipelineError(
            "refinement needs its deadline (refinement_due)", "refinement_due_required", "/refinement_due"
        )
    if new is S.PILOT and not pilot_sites:
        raise PipelineError("a pilot needs at least one pilot site", "pilot_sites_required", "/pilot_org_unit_codes")


def is_selected(status: ProjectStatus) -> bool:
    return status in SELECTED_STATUSES


def refinement_overdue(status: ProjectStatus, refinement_due: date | None, today: date) -> bool:
    return status is S.REFINEMENT and refinement_due is not None and today > refinement_due
