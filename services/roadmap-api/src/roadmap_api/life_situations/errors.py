from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class LifeSituationNotFound(NotFound):
    slug = "life-situation-not-found"
    title = "Life situation not found"

    def __init__(self, code: str) -> None:
        super().__init__(f"there is no life situation {code}", code=code)


class LifeSituationCodeTaken(Conflict):
    slug = "life-situation-code-taken"
    title = "Life situation code already exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"a life situation with code {code} already exists", code=code)


class SelfAssessmentNotFound(NotFound):
    slug = "self-assessment-not-found"
    title = "Self-assessment not found"

    def __init__(self, assessment_id: int) -> None:
        super().__init__(f"there is no self-assessment {assessment_id}", assessment_id=assessment_id)


class SelfAssessmentExists(Conflict):
    slug = "self-assessment-exists"
    title = "The institution already has a self-assessment of this indicator"


class BaselineNotAvailable(Conflict):
    slug = "self-assessment-baseline-not-available"
    title = "The self-assessment cannot give this baseline"
