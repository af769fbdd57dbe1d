"""Property tests of the formula engine: generated trees, hostile strings, the ratio rule."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpi_api.formulas import (
    PRECISION,
    Binary,
    Expr,
    FormulaError,
    FormulaErrorKind,
    Neg,
    Number,
    Prev,
    Ref,
    evaluate,
    parse,
    ratio_parts,
    to_text,
)

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
CODES = ["A", "B", "C_1", "POP2"]

numbers = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(Decimal),
    st.decimals(min_value=0, max_value=10**4, places=2, allow_nan=False, allow_infinity=False),
)
leaves: st.SearchStrategy[Expr] = st.one_of(
    numbers.map(Number),
    st.sampled_from(CODES).map(Ref),
    st.sampled_from(CODES).map(Prev),
)
trees: st.SearchStrategy[Expr] = st.recursive(
    leaves,
    lambda inner: st.one_of(
        inner.map(Neg),
        st.builds(Binary, st.sampled_from(["+", "-", "*", "/"]), inner, inner),
    ),
    max_leaves=16,
)
values = st.one_of(
    st.just(Decimal(0)),
    st.integers(min_value=-(10**6), max_value=10**6).map(Decimal),
    st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
)


def _scaled(ratio: Expr, constants: list[Decimal], negate: bool) -> Expr:
    for constant in constants:
        ratio = Binary("*", ratio, Number(constant))
    return Neg(ratio) if negate else ratio


# A division at the top, times constants, maybe negated: the shapes ratio_parts decomposes.
ratio_trees: st.SearchStrategy[Expr] = st.builds(
    _scaled,
    st.builds(Binary, st.just("/"), trees, trees),
    st.lists(numbers.filter(bool), max_size=3),
    st.booleans(),
)
value_maps = st.fixed_dictionaries({code: values for code in CODES})


class _ZeroDivision(Exception):
    pass


def reference(expr: Expr, current: Mapping[str, Decimal], previous: Mapping[str, Decimal]) -> Decimal:
    """Straightforward recursive Decimal evaluation of a generated (small) tree."""
    if isinstance(expr, Number):
        return expr.value
    if isinstance(expr, Ref):
        return current[expr.code]
    if isinstance(expr, Prev):
        return previous[expr.code]
    if isinstance(expr, Neg):
        return -reference(expr.operand, current, previous)
    left = reference(expr.left, current, previous)
    right = reference(expr.right, current, previous)
    if expr.op == "+":
        return left + right
    if expr.op == "-":
        return left - right
    if expr.op == "*":
        return left * right
    if right.is_zero():
        raise _ZeroDivision
    return left / right


def parse_generated(tree: Expr) -> Expr:
    try:
        return parse(to_text(tree))
    except FormulaError as error:
        # st.recursive can stack more unary minuses than the nesting limit allows.
        assume(error.kind is not FormulaErrorKind.TOO_DEEP)
        raise


class TestGeneratedFormulas:
    @SETTINGS
    @given(trees)
    def test_text_round_trip(self, tree: Expr) -> None:
        assert parse_generated(tree) == tree

    @SETTINGS
    @given(trees, value_maps, value_maps)
    def test_evaluates_like_the_reference(
        self, tree: Expr, current: dict[str, Decimal], previous: dict[str, Decimal]
    ) -> None:
        result = evaluate(parse_generated(tree), current, previous)
        with localcontext() as ctx:
            ctx.prec = PRECISION
            try:
                expected: Decimal | None = reference(tree, current, previous)
            except _ZeroDivision:
                expected = None
        if expected is None:
            assert (result.value, result.reason) == (None, "division_by_zero")
        else:
            assert result.reason is None
            assert result.value == expected

    @SETTINGS
    @given(trees, st.dictionaries(st.sampled_from(CODES), st.none() | values), value_maps)
    def test_never_raises_and_sets_value_or_reason(
        self, tree: Expr, current: dict[str, Decimal | None], previous: dict[str, Decimal]
    ) -> None:
        result = evaluate(parse_generated(tree), current, previous)
        assert (result.value is None) != (result.reason is None)
        if result.reason is not None and result.reason.startswith("missing_input:"):
            assert result.reason.removeprefix("missing_input:") in {c for c in CODES if current.get(c) is None}

    @SETTINGS
    @given(ratio_trees | trees, value_maps, value_maps)
    def test_ratio_parts_recompose_the_value(
        self, tree: Expr, current: dict[str, Decimal], previous: dict[str, Decimal]
    ) -> None:
        parts = ratio_parts(tree)
        assume(parts is not None)
        assert parts is not None
        whole = evaluate(tree, current, previous).value
        numerator = evaluate(parts.numerator, current, previous).value
        denominator = evaluate(parts.denominator, current, previous).value
        assume(whole is not None and numerator is not None and denominator)
        assert whole is not None and numerator is not None and denominator is not None
        with localcontext() as ctx:
            ctx.prec = 60
            recomposed = parts.scale * numerator / denominator
            # Factors are multiplied in another order, so only rounding in the 34th digit may differ.
            assert abs(recomposed - whole) <= Decimal("1e-25") * max(abs(whole), abs(recomposed))


formula_chars = st.sampled_from(list("AZ09_.+-*/() \tprevxБ%,e"))


class TestHostileInput:
    @SETTINGS
    @given(st.text(formula_chars, max_size=60) | st.text(max_size=60))
    def test_random_text_only_raises_formula_error(self, text: str) -> None:
        try:
            expr = parse(text)
        except FormulaError as error:
            assert error.position is not None
            assert 0 <= error.position <= len(text)
            return
        result = evaluate(expr, {}, {})
        assert result.value is not None or result.reason is not None

    @SETTINGS
    @given(st.integers(min_value=1, max_value=1000), st.sampled_from(["(", "-", "(-", "-("]))
    def test_deep_nesting_never_recurses(self, depth: int, opener: str) -> None:
        text = opener * depth + "A" + ")" * (opener.count("(") * depth)
        try:
            parse(text)
        except FormulaError as error:
            assert error.kind in (FormulaErrorKind.TOO_DEEP, FormulaErrorKind.TOO_LONG)
