"""The formula AST: small immutable nodes.

Positions (0-based offsets into the source text) are kept for error messages but do not take part
in equality, so two parses of the same formula written with different spacing compare equal.

Long ``+``/``*`` chains give left-deep trees whose height is not bounded by the parser's nesting
limit, so every walker in this package is iterative (:func:`postorder`), never recursive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TypeAlias

BinaryOp: TypeAlias = Literal["+", "-", "*", "/"]


@dataclass(frozen=True, slots=True)
class Number:
    """A decimal literal, kept exactly as written (``1.20`` stays ``Decimal('1.20')``)."""

    value: Decimal
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Ref:
    """The value of indicator ``code`` in the period being computed."""

    code: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Prev:
    """``prev(CODE)``: the value of ``code`` in the previous period of the same type."""

    code: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Neg:
    """Unary minus."""

    operand: Expr
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    """``left op right``; ``position`` is that of the operator."""

    op: BinaryOp
    left: Expr
    right: Expr
    position: int = field(default=0, compare=False)


Expr: TypeAlias = Number | Ref | Prev | Neg | Binary

PRECEDENCE: dict[str, int] = {"+": 1, "-": 1, "*": 2, "/": 2}


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``node``, left to right."""
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Neg):
        return (node.operand,)
    return ()


def postorder(expr: Expr) -> Iterator[Expr]:
    """Every node of ``expr``, children before parents, left before right, without recursion."""
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        stack.append((node, True))
        for child in reversed(children(node)):
            stack.append((child, False))


def to_text(expr: Expr) -> str:
    """Render ``expr`` back to formula text with only the parentheses it needs.

    ``parse(to_text(e)) == e`` for every tree the parser can produce, which makes this a canonical
    form to display. It puts spaces around operators, so it can be longer than the text it was
    parsed from (and than :data:`~kpi_api.formulas.lexer.MAX_FORMULA_LENGTH`): store the text the
    client sent, not this.
    """
    # Each rendered piece carries its precedence: 3 = atom, 2.5 = unary minus, else the operator's.
    rendered: list[tuple[str, float]] = []
    for node in postorder(expr):
        if isinstance(node, Number):
            text = format(node.value, "f")
            rendered.append((text, 3) if node.value >= 0 else (f"({text})", 3))
        elif isinstance(node, Ref):
            rendered.append((node.code, 3))
        elif isinstance(node, Prev):
            rendered.append((f"prev({node.code})", 3))
        elif isinstance(node, Neg):
            text, prec = rendered.pop()
            rendered.append((f"-{text}" if prec >= 2.5 else f"-({text})", 2.5))
        else:
            right, right_prec = rendered.pop()
            left, left_prec = rendered.pop()
            prec = PRECEDENCE[node.op]
            if left_prec < prec:
                left = f"({left})"
            # Operators are left-associative: an equal-precedence right operand needs parentheses
            # (A - (B - C), A / (B * C)).
            if right_prec <= prec:
                right = f"({right})"
            rendered.append((f"{left} {node.op} {right}", prec))
    return rendered[-1][0]
