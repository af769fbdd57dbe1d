"""Recursive-descent parser: formula text → :mod:`~kpi_api.formulas.nodes` AST.

Grammar (``CODE`` = ``[A-Z][A-Z0-9_]*``, ``NUMBER`` = ``digits ['.' digits]``)::

    formula := sum END
    sum     := product (('+' | '-') product)*
    product := unary (('*' | '/') unary)*
    unary   := '-' unary | primary
    primary := NUMBER | CODE | 'prev' '(' CODE ')' | '(' sum ')'

Binary operators are left-associative; unary minus binds tighter than ``*`` and ``/``
(``-A * B`` is ``(-A) * B``, which has the same value). Chains are parsed with loops, so only
parentheses and unary minus recurse; their nesting is capped at :data:`MAX_DEPTH`, which keeps
hostile input far from Python's recursion limit.
"""

from __future__ import annotations

from decimal import Decimal

from kpi_api.formulas.errors import FormulaError, FormulaErrorKind
from kpi_api.formulas.lexer import Token, TokenType, tokenize
from kpi_api.formulas.nodes import Binary, BinaryOp, Expr, Neg, Number, Prev, Ref

MAX_DEPTH = 50

_SUM_OPS: dict[TokenType, BinaryOp] = {TokenType.PLUS: "+", TokenType.MINUS: "-"}
_PRODUCT_OPS: dict[TokenType, BinaryOp] = {TokenType.STAR: "*", TokenType.SLASH: "/"}


def parse(text: str) -> Expr:
    """Parse formula ``text`` into an AST; raise :class:`FormulaError` with the position of the problem.

    >>> from kpi_api.formulas.nodes import to_text
    >>> to_text(parse("PHYSICIANS/POSITIONS*100*1.2"))
    'PHYSICIANS / POSITIONS * 100 * 1.2'
    """
    if not isinstance(text, str):
        raise FormulaError("a formula must be a string", 0)
    if not text.strip():
        raise FormulaError("formula is empty", 0)
    return _Parser(tokenize(text)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0

    @property
    def _current(self) -> Token:
        return self._tokens[self._index]

    def _advance(self) -> Token:
        token = self._tokens[self._index]
        if token.type is not TokenType.END:
            self._index += 1
        return token

    def _expect(self, token_type: TokenType, what: str) -> Token:
        token = self._current
        if token.type is not token_type:
            raise FormulaError(f"expected {what}, found {token.describe()}", token.position)
        return self._advance()

    def _enter(self, token: Token) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise FormulaError(
                f"formula is nested more than {MAX_DEPTH} levels deep",
                token.position,
                kind=FormulaErrorKind.TOO_DEEP,
            )

    def parse(self) -> Expr:
        expr = self._sum()
        token = self._current
        if token.type is not TokenType.END:
            if token.type is TokenType.RPAREN:
                raise FormulaError("unexpected ')' without a matching '('", token.position)
            raise FormulaError(f"unexpected {token.describe()}: expected an operator", token.position)
        return expr

    def _sum(self) -> Expr:
        left = self._product()
        while (op := _SUM_OPS.get(self._current.type)) is not None:
            token = self._advance()
            left = Binary(op, left, self._product(), token.position)
        return left

    def _product(self) -> Expr:
        left = self._unary()
        while (op := _PRODUCT_OPS.get(self._current.type)) is not None:
            token = self._advance()
            left = Binary(op, left, self._unary(), token.position)
        return left

    def _unary(self) -> Expr:
        token = self._current
        if token.type is not TokenType.MINUS:
            return self._primary()
        self._advance()
        self._enter(token)
        operand = self._unary()
        self._depth -= 1
        return Neg(operand, token.position)

    def _primary(self) -> Expr:
        token = self._advance()
        if token.type is TokenType.NUMBER:
            return Number(Decimal(token.text), token.position)
        if token.type is TokenType.CODE:
            if self._current.type is TokenType.LPAREN:
                raise FormulaError(f"'{token.text}' is not a function: the only function is prev(CODE)", token.position)
            return Ref(token.text, token.position)
        if token.type is TokenType.PREV:
            self._expect(TokenType.LPAREN, "'(' after prev")
            code = self._expect(TokenType.CODE, "an indicator code inside prev()")
            self._expect(TokenType.RPAREN, "')' to close prev(")
            return Prev(code.text, token.position)
        if token.type is TokenType.LPAREN:
            self._enter(token)
            expr = self._sum()
            closing = self._current
            if closing.type is not TokenType.RPAREN:
                raise FormulaError(
                    f"expected ')' to close the '(' at position {token.position}, found {closing.describe()}",
                    closing.position,
                )
            self._advance()
            self._depth -= 1
            return expr
        if token.type is TokenType.END:
            raise FormulaError("unexpected end of formula: expected a number, a code or '('", token.position)
        raise FormulaError(f"unexpected {token.describe()}: expected a number, a code or '('", token.position)
