from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class QuestionnaireNotFound(NotFound):
    slug = "questionnaire-not-found"
    title = "Questionnaire not found"

    def __init__(self, code: str, version: int | None = None) -> None:
        what = f"{code} version {version}" if version is not None else code
        super().__init__(f"there is no questionnaire {what}", code=code)


class QuestionnaireCodeTaken(Conflict):
    slug = "questionnaire-code-taken"
    title = "Questionnaire code already exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"questionnaire {code} exists: add a version with POST /v1/questionnaires/{code}/versions")


class QuestionnairePublished(Conflict):
    slug = "questionnaire-published"
    title = "Published questionnaire versions are immutable"

    def __init__(self, code: str, version: int) -> None:
        super().__init__(
            f"{code} version {version} is published and cannot change; create a new version instead",
            code=code,
            version=version,
        )


class DraftExists(Conflict):
    slug = "questionnaire-draft-exists"
    title = "A draft version already exists"

    def __init__(self, code: str, version: int) -> None:
        super().__init__(f"{code} already has draft version {version}: edit or publish it", version=version)
