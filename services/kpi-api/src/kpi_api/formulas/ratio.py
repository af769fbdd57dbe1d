"""Numerator and denominator of ratio formulas, shown beside the value in analytics rows.

The rule. The top of the formula is read as a product of factors: starting at the root, ``*``
passes through both operands, ``/`` passes through both but flips the right operand to the other
side of the fraction, and unary minus passes through with a factor of -1. Anything else — a code,
``prev(CODE)``, or a ``+``/``-`` sub-expression, which is kept whole — is a factor. Number literals
are constant factors and go into ``scale``. The formula is a ratio when at least one non-constant
factor lands in the denominator; then

    value = scale × numerator / denominator

with numerator and denominator the products of their non-constant factors in formula order (the
numerator is the literal 1 when it has none). Examples:

* ``A / B * 100 * 1.2`` and ``A * 100 * 1.2 / B`` → ``A`` / ``B``, scale 120;
* ``(X - prev(X)) * 100 / prev(X)`` → ``X - prev(X)`` / ``prev(X)``, scale 100;
* ``A / (B / C)`` → ``A * C`` / ``B``; ``A / 4`` and ``A + B / C`` are not ratios (``None``).

A zero literal in the denominator makes the formula not a ratio (its value is division_by_zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from kpi_api.formulas.evaluator import decimal_context, evaluate
from kpi_api.formulas.nodes import Binary, Expr, Neg, Number


@dataclass(frozen=True, slots=True)
class RatioParts:
    """``value = scale * numerator / denominator`` (see the module docstring for the rule)."""

    numerator: Expr
    denominator: Expr
    scale: Decimal


@dataclass(frozen=True, slots=True)
class RatioValues:
    """Evaluated :class:`RatioParts`; a part is ``None`` when it cannot be computed (missing input)."""

    numerator: Decimal | None
    denominator: Decimal | None
    scale: Decimal


def ratio_parts(expr: Expr) -> RatioParts | None:
    """Split ``expr`` into numerator, denominator and constant scale, or ``None`` if it is no ratio."""
    upper: list[Expr] = []
    lower: list[Expr] = []
    scale = Decimal(1)
    # (node, True when the node sits in the numerator); popped left to right to keep formula order.
    stack: list[tuple[Expr, bool]] = [(expr, True)]
    with decimal_context():
        while stack:
            node, on_top = stack.pop()
            if isinstance(node, Binary) and node.op in ("*", "/"):
                stack.append((node.right, on_top if node.op == "*" else not on_top))
                stack.append((node.left, on_top))
            elif isinstance(node, Neg):
                scale = -scale
                stack.append((node.operand, on_top))
            elif isinstance(node, Number):
                if on_top:
                    scale *= node.value
                elif node.value.is_zero():
                    return None
                else:
                    scale /= node.value
            else:
                (upper if on_top else lower).append(node)
    if not lower:
        return None
    return RatioParts(_product(upper), _product(lower), scale)


def _product(factors: list[Expr]) -> Expr:
    if not factors:
        return Number(Decimal(1))
    return reduce(lambda left, right: Binary("*", left, right), factors)


def evaluate_ratio(
    expr: Expr, current: Mapping[str, Decimal | None], previous: Mapping[str, Decimal | None]
) -> RatioValues | None:
    """Evaluate the numerator and denominator of a ratio formula; ``None`` when ``expr`` is no ratio."""
    parts = ratio_parts(expr)
    if parts is None:
        return None
    return evaluate_parts(parts, current, previous)


def evaluate_parts(
    parts: RatioParts, current: Mapping[str, Decimal | None], previous: Mapping[str, Decimal | None]
) -> RatioValues:
    """Evaluate a ratio's numerator and denominator, its parts found once (``ratio_parts``) for many roots."""
    numerator = evaluate(parts.numerator, current, previous).value
    denominator = evaluate(parts.denominator, current, previous).value
    return RatioValues(numerator, denominator, parts.scale)
