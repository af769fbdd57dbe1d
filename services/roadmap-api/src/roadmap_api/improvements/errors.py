"""Typed problems of improvement projects."""

from __future__ import annotations

from collections.abc import Sequence

from zdrav_shared.problems import Conflict, NotFound


class ImprovementNotFound(NotFound):
    slug = "improvement-project-not-found"
    title = "Improvement project not found"

    def __init__(self, project_id: int) -> None:
        super().__init__(f"there is no improvement project {project_id}", project_id=project_id)


class PassportLocked(Conflict):
    slug = "improvement-passport-approved"
    title = "The project's passport is approved and locked"

    def __init__(self, project_id: int | None, fields: Sequence[str], detail: str | None = None) -> None:
        super().__init__(
            detail
            or f"the passport of project {project_id} is approved: {', '.join(fields)} cannot change; "
            "return the passport (POST …/passport {action: return}) to change it",
            reason="passport_approved",
            fields=list(fields),
        )


class PassportStepRefused(Conflict):
    slug = "improvement-passport-step"
    title = "The passport cannot take this step"
