from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class EscalationNotFound(NotFound):
    slug = "escalation-not-found"
    title = "Escalation not found"

    def __init__(self, escalation_id: int) -> None:
        super().__init__(f"there is no escalation {escalation_id}", escalation_id=escalation_id)


class EscalationConflict(Conflict):
    slug = "escalation-conflict"
    title = "The escalation cannot take this step"
