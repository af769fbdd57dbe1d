"""Evaluation of a parsed formula with :class:`~decimal.Decimal` arithmetic.

A formula never fails at evaluation time: a missing input or a division by zero gives a ``None``
value with a machine-readable ``reason`` (the analytics rows show it beside ``value: null``).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow, localcontext

from kpi_api.formulas.nodes import Binary, Expr, Neg, Number, Prev, Ref, postorder

# 34 significant digits (IEEE decimal128): far beyond any indicator's declared precision, so the
# only rounding a user ever sees is the half-up rounding applied at presentation.
PRECISION = 34

REASON_DIVISION_BY_ZERO = "division_by_zero"
REASON_ARITHMETIC = "arithmetic_error"
MISSING_PREFIX = "missing_input:"
INVALID_PREFIX = "invalid_input:"

Values = Mapping[str, Decimal | None]


@dataclass(frozen=True, slots=True)
class EvalResult:
    """The outcome of :func:`evaluate`.

    Exactly one of ``value`` and ``reason`` is set. Reasons:

    * ``missing_input:CODE`` — CODE has no value in the period; ``missing_input:prev(CODE)`` — none
      in the previous period. ``missing`` lists every missing reference; ``reason`` names the first,
      reading the formula left to right.
    * ``invalid_input:CODE`` — the value is NaN or infinite (never stored, but guarded).
    * ``division_by_zero`` — a divisor evaluated to zero.
    * ``arithmetic_error`` — the result overflowed the decimal range.
    """

    value: Decimal | None
    reason: str | None = None
    missing: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.value is not None


_FORMULA_CONTEXT = Context(prec=PRECISION, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])


def decimal_context() -> AbstractContextManager[Context]:
    """A local decimal context for formula arithmetic: :data:`PRECISION` digits, errors trapped (a copy
    of one made once, not a context set up attribute by attribute for every formula of an answer)."""
    return localcontext(_FORMULA_CONTEXT)


def _label(node: Ref | Prev) -> str:
    return node.code if isinstance(node, Ref) else f"prev({node.code})"


def _lookup(node: Ref | Prev, current: Values, previous: Values) -> Decimal | None:
    return (current if isinstance(node, Ref) else previous).get(node.code)


def evaluate(expr: Expr, current: Values, previous: Values) -> EvalResult:
    """Evaluate ``expr`` with ``current`` period values and ``previous`` period values (for ``prev``).

    A code absent from the mapping counts as missing, like a ``None`` value. Missing inputs are
    reported before division by zero: a missing report is the cause to fix first.

    >>> from kpi_api.formulas.parser import parse
    >>> evaluate(parse("A / B * 100 * 1.2"), {"A": Decimal(45), "B": Decimal(60)}, {}).value
    Decimal('90.000')
    """
    nodes = list(postorder(expr))
    inputs: dict[str, Decimal] = {}
    missing: list[str] = []
    for node in nodes:
        if isinstance(node, Ref | Prev):
            label = _label(node)
            raw = _lookup(node, current, previous)
            if raw is None:
                if label not in missing:
                    missing.append(label)
            elif not raw.is_finite():
                return EvalResult(None, INVALID_PREFIX + label)
            else:
                inputs[label] = raw
    if missing:
        return EvalResult(None, MISSING_PREFIX + missing[0], tuple(missing))

    # The formula context's own methods, not the operators under a local context: the same arithmetic
    # and traps, without setting the thread's context for each formula of an answer (its thousands).
    ctx = _FORMULA_CONTEXT
    stack: list[Decimal] = []
    try:
        for node in nodes:
            if isinstance(node, Number):
                stack.append(node.value)
            elif isinstance(node, Ref | Prev):
                stack.append(inputs[_label(node)])
            elif isinstance(node, Neg):
                stack.append(ctx.minus(stack.pop()))
            else:
                right = stack.pop()
                left = stack.pop()
                if node.op == "/" and right.is_zero():
                    return EvalResult(None, REASON_DIVISION_BY_ZERO)
                stack.append(_apply(ctx, node, left, right))
    except (InvalidOperation, Overflow, DivisionByZero):
        return EvalResult(None, REASON_ARITHMETIC)
    result = stack.pop()
    # -0 (from "-0" or "0 * -A") is a valid Decimal but would leak as "-0" into JSON.
    return EvalResult(result.copy_abs() if result.is_zero() else result)


def _apply(ctx: Context, node: Binary, left: Decimal, right: Decimal) -> Decimal:
    if node.op == "+":
        return ctx.add(left, right)
    if node.op == "-":
        return ctx.subtract(left, right)
    if node.op == "*":
        return ctx.multiply(left, right)
    return ctx.divide(left, right)
