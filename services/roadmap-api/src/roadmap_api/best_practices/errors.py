from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class BestPracticeNotFound(NotFound):
    slug = "best-practice-not-found"
    title = "Best practice not found"

    def __init__(self, code: str) -> None:
        super().__init__(f"there is no best practice {code}", code=code)


class BestPracticeCodeTaken(Conflict):
    slug = "best-practice-code-taken"
    title = "Best practice code already exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"a best practice with code {code} already exists", code=code)
