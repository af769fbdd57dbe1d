"""Tokenizer for the formula grammar.

Only ASCII is accepted: ``str.isdigit`` and ``str.isalpha`` also accept Arabic-Indic digits and
Cyrillic letters, which would slip look-alike codes past the ``[A-Z][A-Z0-9_]*`` rule.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import Enum

from kpi_api.formulas.errors import FormulaError, FormulaErrorKind

MAX_FORMULA_LENGTH = 2000

_DIGITS = frozenset(string.digits)
_UPPER = frozenset(string.ascii_uppercase)
_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_")
_SPACE = frozenset(" \t\r\n")
_SINGLE = {"+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "(": "LPAREN", ")": "RPAREN"}


class TokenType(Enum):
    NUMBER = "number"
    CODE = "code"
    PREV = "prev"
    PLUS = "+"
    MINUS = "-"
    STAR = "*"
    SLASH = "/"
    LPAREN = "("
    RPAREN = ")"
    END = "end of formula"


@dataclass(frozen=True, slots=True)
class Token:
    type: TokenType
    text: str
    position: int

    def describe(self) -> str:
        """How the token is named in an error message."""
        return "end of formula" if self.type is TokenType.END else f"'{self.text}'"


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``END`` token; raise :class:`FormulaError`."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(
            f"formula is {len(text)} characters long, the limit is {MAX_FORMULA_LENGTH}",
            MAX_FORMULA_LENGTH,
            kind=FormulaErrorKind.TOO_LONG,
        )
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in _SPACE:
            i += 1
        elif char in _SINGLE:
            tokens.append(Token(TokenType[_SINGLE[char]], char, i))
            i += 1
        elif char in _DIGITS:
            tokens.append(_number(text, i))
            i += len(tokens[-1].text)
        elif char in _NAME_CHARS:
            tokens.append(_name(text, i))
            i += len(tokens[-1].text)
        elif char == ".":
            raise FormulaError("a number must start with a digit (write 0.5, not .5)", i)
        else:
            raise FormulaError(f"unexpected character {char!r}", i)
    tokens.append(Token(TokenType.END, "", n))
    return tokens


def _number(text: str, start: int) -> Token:
    end = _skip(text, start, _DIGITS)
    if end < len(text) and text[end] == ".":
        fraction_end = _skip(text, end + 1, _DIGITS)
        if fraction_end == end + 1:
            raise FormulaError("expected a digit after the decimal point", end + 1)
        end = fraction_end
    if end < len(text) and text[end] in _NAME_CHARS:
        raise FormulaError(f"unexpected {text[end]!r} right after a number", end)
    return Token(TokenType.NUMBER, text[start:end], start)


def _name(text: str, start: int) -> Token:
    end = _skip(text, start, _NAME_CHARS)
    word = text[start:end]
    if word == "prev":
        return Token(TokenType.PREV, word, start)
    if word[0] in _UPPER and all(c in _UPPER or c in _DIGITS or c == "_" for c in word):
        return Token(TokenType.CODE, word, start)
    raise FormulaError(
        f"'{word}' is not an indicator code: codes are upper-case letters, digits and '_', "
        "starting with a letter (the only function is prev)",
        start,
    )


def _skip(text: str, start: int, allowed: frozenset[str]) -> int:
    end = start
    while end < len(text) and text[end] in allowed:
        end += 1
    return end
