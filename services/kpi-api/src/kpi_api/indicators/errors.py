from __future__ import annotations

from typing import Any

from zdrav_shared.problems import Conflict, NotFound, Unprocessable


class IndicatorNotFound(NotFound):
    slug = "indicator-not-found"
    title = "Indicator not found"

    def __init__(self, code: str) -> None:
        super().__init__(f"there is no indicator with code {code}", code=code)


class IndicatorCodeTaken(Conflict):
    slug = "indicator-code-taken"
    title = "Indicator code already exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"an indicator with code {code} already exists", code=code)


class FormulaRejected(Unprocessable):
    """A formula that does not parse, names unknown codes, or closes a cycle between formulas."""

    slug = "formula-rejected"
    title = "Formula rejected"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, pointer="/formula", **extra)


class ApprovedHistory(Conflict):
    """A definition change that would change figures already approved (``reason: approved_history``)."""

    slug = "approved-history"
    title = "The change would rewrite approved figures"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, reason="approved_history", **extra)


class ValuesExist(Conflict):
    """A change of how values are entered (to or from ``ratio``) once values exist."""

    slug = "indicator-has-values"
    title = "The indicator already has values"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, reason="values_exist", **extra)
