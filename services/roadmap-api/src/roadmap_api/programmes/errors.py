from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class ProgrammeNotFound(NotFound):
    slug = "programme-not-found"
    title = "Programme not found"

    def __init__(self, programme_id: int) -> None:
        super().__init__(f"there is no programme {programme_id}", programme_id=programme_id)


class ProgrammeCodeTaken(Conflict):
    slug = "programme-code-taken"
    title = "Programme code already exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"a programme with code {code} already exists", code=code)
