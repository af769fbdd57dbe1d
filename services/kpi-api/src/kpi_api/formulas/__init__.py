"""The formula engine: a safe parser and evaluator for formula indicators (never ``eval``).

Typical use::

    expr = compile_formula("PHYSICIANS / POSITIONS * 100 * 1.2", known_codes, own_code="STAFFING")
    ensure_acyclic(dependency_graph({**existing_formulas, "STAFFING": expr}))
    result = evaluate(expr, current_values, previous_values)  # EvalResult(value, reason)
"""

from kpi_api.formulas.analysis import (
    References,
    compile_formula,
    dependency_graph,
    ensure_acyclic,
    evaluation_order,
    find_cycle,
    referenced_codes,
    validate,
)
from kpi_api.formulas.errors import FormulaError, FormulaErrorKind
from kpi_api.formulas.evaluator import (
    MISSING_PREFIX,
    PRECISION,
    REASON_ARITHMETIC,
    REASON_DIVISION_BY_ZERO,
    EvalResult,
    evaluate,
)
from kpi_api.formulas.lexer import MAX_FORMULA_LENGTH
from kpi_api.formulas.nodes import Binary, Expr, Neg, Number, Prev, Ref, to_text
from kpi_api.formulas.parser import MAX_DEPTH, parse
from kpi_api.formulas.ratio import RatioParts, RatioValues, evaluate_parts, evaluate_ratio, ratio_parts

__all__ = [
    "MAX_DEPTH",
    "MAX_FORMULA_LENGTH",
    "MISSING_PREFIX",
    "PRECISION",
    "REASON_ARITHMETIC",
    "REASON_DIVISION_BY_ZERO",
    "Binary",
    "EvalResult",
    "Expr",
    "FormulaError",
    "FormulaErrorKind",
    "Neg",
    "Number",
    "Prev",
    "RatioParts",
    "RatioValues",
    "Ref",
    "References",
    "compile_formula",
    "dependency_graph",
    "ensure_acyclic",
    "evaluate",
    "evaluate_parts",
    "evaluate_ratio",
    "evaluation_order",
    "find_cycle",
    "parse",
    "ratio_parts",
    "referenced_codes",
    "to_text",
    "validate",
]
