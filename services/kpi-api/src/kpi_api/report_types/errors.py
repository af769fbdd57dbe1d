from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class ReportTypeNotFound(NotFound):
    slug = "report-type-not-found"
    title = "Report type not found"

    def __init__(self, code: str) -> None:
        super().__init__(f"there is no report type with code {code}", code=code)


class ReportTypeCodeTaken(Conflict):
    slug = "report-type-code-taken"
    title = "Report type code already exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"a report type with code {code} already exists", code=code)
