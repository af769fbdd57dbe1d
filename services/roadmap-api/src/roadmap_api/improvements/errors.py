from __future__ import annotations

from zdrav_shared.problems import NotFound


class ImprovementNotFound(NotFound):
    slug = "improvement-project-not-found"
    title = "Improvement project not found"

    def __init__(self, project_id: int) -> None:
        super().__init__(f"there is no improvement project {project_id}", project_id=project_id)
