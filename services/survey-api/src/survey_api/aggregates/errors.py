from __future__ import annotations

from zdrav_shared.problems import NotFound


class OrgUnitNotFound(NotFound):
    slug = "org-unit-not-found"
    title = "Org unit not found"

    def __init__(self, code: str) -> None:
        super().__init__(f"there is no org unit {code}", code=code)
