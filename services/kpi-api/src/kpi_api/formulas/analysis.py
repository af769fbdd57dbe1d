"""Static checks on formulas: which codes they use, whether those exist, and cycles between them."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from kpi_api.formulas.errors import FormulaError, FormulaErrorKind
from kpi_api.formulas.nodes import Expr, Prev, Ref, postorder
from kpi_api.formulas.parser import parse


@dataclass(frozen=True, slots=True)
class References:
    """Codes a formula reads: ``current`` in the same period, ``previous`` through ``prev()``."""

    current: frozenset[str]
    previous: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.current | self.previous


def referenced_codes(expr: Expr) -> References:
    """The indicator codes ``expr`` refers to, split into same-period and ``prev()`` references."""
    current = {node.code for node in postorder(expr) if isinstance(node, Ref)}
    previous = {node.code for node in postorder(expr) if isinstance(node, Prev)}
    return References(frozenset(current), frozenset(previous))


def validate(expr: Expr, known_codes: Collection[str], *, own_code: str | None = None) -> None:
    """Check that every code in ``expr`` is a known indicator; raise :class:`FormulaError` otherwise.

    ``own_code`` is the code of the indicator the formula belongs to: ``prev(OWN)`` is allowed (a
    growth rate of itself) even before the indicator exists, while a bare ``OWN`` is a cycle.
    The first offending reference, reading left to right, is reported with its position.
    """
    for node in postorder(expr):
        if not isinstance(node, Ref | Prev):
            continue
        if node.code == own_code:
            if isinstance(node, Ref):
                raise FormulaError(
                    f"the formula of {own_code} refers to {own_code} itself "
                    f"(use prev({own_code}) for its previous period)",
                    node.position,
                    kind=FormulaErrorKind.CYCLE,
                    codes=(own_code, own_code),
                )
            continue
        if node.code not in known_codes:
            message = f"unknown indicator code '{node.code}'"
            close = difflib.get_close_matches(node.code, list(known_codes), n=1)
            if close:
                message += f" (did you mean '{close[0]}'?)"
            raise FormulaError(message, node.position, kind=FormulaErrorKind.UNKNOWN_CODE, codes=(node.code,))


def compile_formula(text: str, known_codes: Collection[str], *, own_code: str | None = None) -> Expr:
    """Parse ``text`` and :func:`validate` it: the one call for accepting a formula from a client."""
    expr = parse(text)
    validate(expr, known_codes, own_code=own_code)
    return expr


def dependency_graph(formulas: Mapping[str, Expr]) -> dict[str, set[str]]:
    """Same-period dependencies of each formula indicator (``prev()`` references are not edges).

    A ``prev()`` reference reads an earlier, already final period, so ``X = X_IN + prev(X)`` is
    well-defined and must not be reported as a cycle.
    """
    return {code: set(referenced_codes(expr).current) for code, expr in formulas.items()}


def find_cycle(graph: Mapping[str, Collection[str]]) -> list[str] | None:
    """A cycle in ``graph`` (code → codes it depends on) as a path ``['A', 'B', 'A']``, or ``None``.

    Codes that appear only as dependencies (inputs) are leaves. The search is iterative, visits
    codes in sorted order, and so always reports the same cycle for the same graph.
    """
    done: set[str] = set()
    for root in sorted(graph):
        if root in done:
            continue
        path: list[str] = [root]
        on_path: dict[str, int] = {root: 0}
        pending: list[list[str]] = [sorted(graph.get(root, ()), reverse=True)]
        while path:
            if not pending[-1]:
                finished = path.pop()
                pending.pop()
                del on_path[finished]
                done.add(finished)
                continue
            nxt = pending[-1].pop()
            if nxt in on_path:
                return [*path[on_path[nxt] :], nxt]
            if nxt in done:
                continue
            on_path[nxt] = len(path)
            path.append(nxt)
            pending.append(sorted(graph.get(nxt, ()), reverse=True))
    return None


def ensure_acyclic(graph: Mapping[str, Collection[str]]) -> None:
    """Raise :class:`FormulaError` (kind ``cycle``, ``codes`` = the path) when ``graph`` has a cycle."""
    cycle = find_cycle(graph)
    if cycle is not None:
        raise FormulaError(
            "circular reference between formulas: " + " → ".join(cycle),
            kind=FormulaErrorKind.CYCLE,
            codes=tuple(cycle),
        )


def evaluation_order(graph: Mapping[str, Collection[str]]) -> list[str]:
    """The codes of ``graph`` ordered so that every code comes after the formula codes it depends on.

    Only keys of ``graph`` are returned (inputs are not). Raises :class:`FormulaError` on a cycle.
    """
    ensure_acyclic(graph)
    order: list[str] = []
    placed: set[str] = set()
    for root in sorted(graph):
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            code, expanded = stack.pop()
            if code in placed or code not in graph:
                continue
            if expanded:
                placed.add(code)
                order.append(code)
                continue
            stack.append((code, True))
            stack.extend((dep, False) for dep in sorted(graph[code], reverse=True) if dep not in placed)
    return order
