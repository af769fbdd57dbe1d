"""The one error type of the formula engine."""

from __future__ import annotations

from enum import StrEnum


class FormulaErrorKind(StrEnum):
    """Why a formula was refused; lets the API choose a problem type without parsing messages."""

    SYNTAX = "syntax"
    TOO_LONG = "too_long"
    TOO_DEEP = "too_deep"
    UNKNOWN_CODE = "unknown_code"
    CYCLE = "cycle"


class FormulaError(ValueError):
    """A formula that cannot be accepted.

    ``position`` is the 0-based character offset into the formula text where the problem was found
    (``None`` when the problem is not tied to one place, such as a cycle between formulas).
    ``message`` is the human-readable text without the position; ``str(error)`` adds it.
    """

    def __init__(
        self,
        message: str,
        position: int | None = None,
        *,
        kind: FormulaErrorKind = FormulaErrorKind.SYNTAX,
        codes: tuple[str, ...] = (),
    ) -> None:
        self.message = message
        self.position = position
        self.kind = kind
        # The indicator codes the error is about (the unknown code, or the cycle path).
        self.codes = codes
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} at position {self.position}"
