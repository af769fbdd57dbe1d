"""The formula engine: parser, evaluator, static checks and ratio parts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpi_api.formulas import (
    MAX_DEPTH,
    MAX_FORMULA_LENGTH,
    Binary,
    FormulaError,
    FormulaErrorKind,
    Neg,
    Number,
    Prev,
    Ref,
    compile_formula,
    dependency_graph,
    ensure_acyclic,
    evaluate,
    evaluate_ratio,
    evaluation_order,
    find_cycle,
    parse,
    ratio_parts,
    referenced_codes,
    to_text,
    validate,
)

D = Decimal


class TestParse:
    def test_precedence_and_left_associativity(self) -> None:
        assert parse("A - B - C") == Binary("-", Binary("-", Ref("A"), Ref("B")), Ref("C"))
        assert parse("A + B * C") == Binary("+", Ref("A"), Binary("*", Ref("B"), Ref("C")))
        assert parse("A / B * 100") == Binary("*", Binary("/", Ref("A"), Ref("B")), Number(D(100)))

    def test_unary_minus_and_prev(self) -> None:
        assert parse("-prev(X_1)") == Neg(Prev("X_1"))
        assert parse("--2") == Neg(Neg(Number(D(2))))

    def test_numbers_keep_their_digits(self) -> None:
        node = parse("1.20")
        assert isinstance(node, Number)
        assert str(node.value) == "1.20"

    def test_whitespace_is_free(self) -> None:
        assert parse(" ( A\t+\nB ) ") == parse("A+B")

    def test_positions_point_into_the_text(self) -> None:
        node = parse("AB + CD")
        assert isinstance(node, Binary)
        assert (node.position, node.left.position, node.right.position) == (3, 0, 5)

    @pytest.mark.parametrize(
        ("text", "message", "position"),
        [
            ("(A + B))", "unexpected ')' without a matching '('", 7),
            ("A +", "unexpected end of formula", 3),
            ("(A + B", "expected ')' to close the '(' at position 0", 6),
            ("A B", "unexpected 'B': expected an operator", 2),
            ("", "formula is empty", 0),
            ("   ", "formula is empty", 0),
            ("a + B", "'a' is not an indicator code", 0),
            ("A + Б", "unexpected character 'Б'", 4),
            ("A % B", "unexpected character '%'", 2),
            (".5", "a number must start with a digit", 0),
            ("5.", "expected a digit after the decimal point", 2),
            ("1e5", "unexpected 'e' right after a number", 1),
            ("2A", "unexpected 'A' right after a number", 1),
            ("ABS(X)", "'ABS' is not a function", 0),
            ("prev X", "expected '(' after prev", 5),
            ("prev(X + 1)", "expected ')' to close prev(", 7),
            ("prev(1)", "expected an indicator code inside prev()", 5),
            ("prev", "expected '(' after prev", 4),
            ("A * / B", "unexpected '/'", 4),
            ("+A", "unexpected '+'", 0),
            ("_A", "'_A' is not an indicator code", 0),
        ],
    )
    def test_errors_name_the_problem_and_position(self, text: str, message: str, position: int) -> None:
        with pytest.raises(FormulaError) as caught:
            parse(text)
        assert message in caught.value.message
        assert caught.value.position == position
        assert str(caught.value).endswith(f"at position {position}")
        assert caught.value.kind is FormulaErrorKind.SYNTAX

    def test_too_long(self) -> None:
        with pytest.raises(FormulaError) as caught:
            parse("A" * (MAX_FORMULA_LENGTH + 1))
        assert caught.value.kind is FormulaErrorKind.TOO_LONG

    @pytest.mark.parametrize("text", ["(" * 51 + "A" + ")" * 51, "-" * 51 + "A", "(-" * 26 + "A" + ")" * 26])
    def test_too_deep_is_a_formula_error_not_recursion(self, text: str) -> None:
        with pytest.raises(FormulaError) as caught:
            parse(text)
        assert caught.value.kind is FormulaErrorKind.TOO_DEEP

    def test_nesting_at_the_limit_is_fine(self) -> None:
        assert parse("(" * MAX_DEPTH + "A" + ")" * MAX_DEPTH) == Ref("A")

    def test_longest_chain_does_not_recurse(self) -> None:
        text = "+".join(["A"] * 1000)
        assert len(text) <= MAX_FORMULA_LENGTH
        expr = parse(text)
        assert evaluate(expr, {"A": D(1)}, {}).value == 1000
        assert to_text(expr) == " + ".join(["A"] * 1000)
        assert referenced_codes(expr).current == {"A"}


class TestToText:
    @pytest.mark.parametrize(
        ("text", "canonical"),
        [
            ("A-(B-C)", "A - (B - C)"),
            ("(A-B)-C", "A - B - C"),
            ("A/(B*C)", "A / (B * C)"),
            ("(A+B)*-C", "(A + B) * -C"),
            ("-(A*B)", "-(A * B)"),
            ("(X-prev(X))*100/prev(X)", "(X - prev(X)) * 100 / prev(X)"),
        ],
    )
    def test_minimal_parentheses(self, text: str, canonical: str) -> None:
        assert to_text(parse(text)) == canonical
        assert parse(canonical) == parse(text)


class TestEvaluate:
    def test_staffing_rate_with_part_time_coefficient(self) -> None:
        # Murmansk indicator 7: Uvd = (Cflv / Cshtd) * 100 * 1.2
        expr = parse("PHYSICIANS / POSITIONS * 100 * 1.2")
        result = evaluate(expr, {"PHYSICIANS": D(45), "POSITIONS": D(60)}, {})
        assert result.value == D("90.0")
        assert result.reason is None
        assert result.ok

    def test_rate_per_10_000(self) -> None:
        expr = parse("PHYSICIANS * 10000 / POPULATION")
        result = evaluate(expr, {"PHYSICIANS": D(1234), "POPULATION": D(500000)}, {})
        assert result.value == D("24.68")

    def test_year_over_year_growth_rate(self) -> None:
        expr = parse("(X - prev(X)) * 100 / prev(X)")
        assert evaluate(expr, {"X": D(110)}, {"X": D(100)}).value == D(10)
        assert evaluate(expr, {"X": D("95.5")}, {"X": D(100)}).value == D("-4.5")
        assert evaluate(expr, {"X": D(7)}, {"X": D(8)}).value == D("-12.5")

    def test_inexact_division_keeps_34_digits(self) -> None:
        value = evaluate(parse("A / B"), {"A": D(1), "B": D(3)}, {}).value
        assert value == D("0." + "3" * 34)

    def test_division_by_zero_is_a_reason_not_an_error(self) -> None:
        result = evaluate(parse("A / (B - B)"), {"A": D(1), "B": D(5)}, {})
        assert (result.value, result.reason) == (None, "division_by_zero")
        assert evaluate(parse("0 / 0"), {}, {}).reason == "division_by_zero"

    def test_missing_input_names_the_code(self) -> None:
        result = evaluate(parse("PHYSICIANS / POSITIONS"), {"PHYSICIANS": D(45)}, {})
        assert (result.value, result.reason) == (None, "missing_input:POSITIONS")

    def test_none_counts_as_missing_and_all_missing_are_listed(self) -> None:
        result = evaluate(parse("A + B + prev(A) + B"), {"A": None}, {})
        assert result.reason == "missing_input:A"
        assert result.missing == ("A", "B", "prev(A)")

    def test_missing_previous_value(self) -> None:
        result = evaluate(parse("(X - prev(X)) * 100 / prev(X)"), {"X": D(1)}, {"X": None})
        assert result.reason == "missing_input:prev(X)"

    def test_missing_beats_division_by_zero(self) -> None:
        assert evaluate(parse("A / 0 + B"), {"A": D(1)}, {}).reason == "missing_input:B"

    def test_non_finite_input_is_refused(self) -> None:
        assert evaluate(parse("A * 2"), {"A": D("NaN")}, {}).reason == "invalid_input:A"
        assert evaluate(parse("A * 2"), {"A": D("Infinity")}, {}).reason == "invalid_input:A"

    def test_negative_zero_is_normalised(self) -> None:
        value = evaluate(parse("-A"), {"A": D(0)}, {}).value
        assert value is not None
        assert not value.is_signed()

    def test_overflow_is_a_reason(self) -> None:
        result = evaluate(parse("A * A"), {"A": D("1E+600000")}, {})
        assert result.reason == "arithmetic_error"


class TestReferences:
    def test_current_and_previous_are_separated(self) -> None:
        refs = referenced_codes(parse("(X - prev(X)) * 100 / prev(Y) + Z"))
        assert refs.current == {"X", "Z"}
        assert refs.previous == {"X", "Y"}
        assert refs.all == {"X", "Y", "Z"}

    def test_unknown_code_is_named_with_a_suggestion(self) -> None:
        with pytest.raises(FormulaError) as caught:
            compile_formula("PHYSICIANS / POSITONS", {"PHYSICIANS", "POSITIONS"})
        error = caught.value
        assert error.kind is FormulaErrorKind.UNKNOWN_CODE
        assert error.codes == ("POSITONS",)
        assert error.position == 13
        assert "unknown indicator code 'POSITONS'" in error.message
        assert "did you mean 'POSITIONS'" in error.message

    def test_unknown_code_inside_prev(self) -> None:
        with pytest.raises(FormulaError, match="'Q'"):
            validate(parse("A + prev(Q)"), {"A"})

    def test_prev_of_itself_is_allowed(self) -> None:
        expr = compile_formula("X_IN + prev(X)", {"X_IN"}, own_code="X")
        assert referenced_codes(expr).previous == {"X"}

    def test_bare_self_reference_is_a_cycle(self) -> None:
        with pytest.raises(FormulaError) as caught:
            compile_formula("X_IN + X", {"X_IN", "X"}, own_code="X")
        assert caught.value.kind is FormulaErrorKind.CYCLE
        assert caught.value.position == 7


class TestCycles:
    def test_no_cycle(self) -> None:
        assert find_cycle({"A": {"B", "X"}, "B": {"X"}, "C": set()}) is None

    def test_cycle_path(self) -> None:
        assert find_cycle({"A": {"B"}, "B": {"C"}, "C": {"A"}}) == ["A", "B", "C", "A"]
        assert find_cycle({"A": {"X"}, "B": {"C"}, "C": {"B"}}) == ["B", "C", "B"]

    def test_self_loop(self) -> None:
        assert find_cycle({"A": {"A"}}) == ["A", "A"]

    def test_prev_is_not_a_same_period_dependency(self) -> None:
        graph = dependency_graph({"X": parse("X_IN + prev(X)"), "Y": parse("X * 2 + prev(Y)")})
        assert graph == {"X": {"X_IN"}, "Y": {"X"}}
        assert find_cycle(graph) is None
        assert evaluation_order(graph) == ["X", "Y"]

    def test_ensure_acyclic_raises_with_the_path(self) -> None:
        graph = dependency_graph({"A": parse("B + 1"), "B": parse("A * 2")})
        with pytest.raises(FormulaError, match="A → B → A") as caught:
            ensure_acyclic(graph)
        assert caught.value.codes == ("A", "B", "A")
        with pytest.raises(FormulaError):
            evaluation_order(graph)

    def test_long_chain_does_not_recurse(self) -> None:
        graph = {f"C{i}": {f"C{i + 1}"} for i in range(5000)}
        assert find_cycle(graph) is None
        assert evaluation_order(graph)[0] == "C4999"
        graph["C4999"] = {"C0"}
        cycle = find_cycle(graph)
        assert cycle is not None
        assert len(cycle) == 5001


class TestRatioParts:
    @pytest.mark.parametrize(
        ("text", "numerator", "denominator", "scale"),
        [
            ("A / B * 100 * 1.2", "A", "B", "120"),
            ("A * 100 * 1.2 / B", "A", "B", "120"),
            ("A * 100 / B", "A", "B", "100"),
            ("A / B", "A", "B", "1"),
            ("(X - prev(X)) * 100 / prev(X)", "X - prev(X)", "prev(X)", "100"),
            ("A / (B / C)", "A * C", "B", "1"),
            ("A / (B * 4)", "A", "B", "0.25"),
            ("-A / B", "A", "B", "-1"),
            ("1000 / POPULATION", "1", "POPULATION", "1000"),
            ("(A + B) / (C + D) * 100", "A + B", "C + D", "100"),
        ],
    )
    def test_rule(self, text: str, numerator: str, denominator: str, scale: str) -> None:
        parts = ratio_parts(parse(text))
        assert parts is not None
        assert to_text(parts.numerator) == numerator
        assert to_text(parts.denominator) == denominator
        assert parts.scale == D(scale)

    @pytest.mark.parametrize("text", ["A / 4", "A + B / C", "A * B", "A / 0 * B", "prev(A)"])
    def test_not_a_ratio(self, text: str) -> None:
        assert ratio_parts(parse(text)) is None

    def test_staffing_rate_values(self) -> None:
        expr = parse("PHYSICIANS / POSITIONS * 100 * 1.2")
        values = evaluate_ratio(expr, {"PHYSICIANS": D(45), "POSITIONS": D(60)}, {})
        assert values is not None
        assert (values.numerator, values.denominator, values.scale) == (D(45), D(60), D(120))

    def test_missing_part(self) -> None:
        values = evaluate_ratio(parse("A / B"), {"A": D(1)}, {})
        assert values is not None
        assert (values.numerator, values.denominator) == (D(1), None)
        assert evaluate_ratio(parse("A + B"), {}, {}) is None
