from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class ValueNotFound(NotFound):
    slug = "value-not-found"
    title = "Value not found"

    def __init__(self, value_id: int) -> None:
        super().__init__(f"there is no value {value_id} in your scope", id=value_id)


class ValueLocked(Conflict):
    slug = "value-approved"
    title = "Value is approved and locked"


class WorkflowConflict(Conflict):
    slug = "workflow-conflict"
    title = "Not possible in the value's current state"
