from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class OrgUnitNotFound(NotFound):
    slug = "org-unit-not-found"
    title = "Org unit not found"

    def __init__(self, code: str) -> None:
        super().__init__(f"there is no org unit with code {code}", code=code)


class OrgUnitCodeTaken(Conflict):
    slug = "org-unit-code-taken"
    title = "Org unit code already exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"an org unit with code {code} already exists", code=code)
