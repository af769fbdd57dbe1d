"""What a service's routes declare about themselves, read from the code: the OpenAPI document's
``security`` and ``x-roles``, its response headers and the roles table (docs/roles.md) all come from here.

* **Authentication**: the security schemes among a route's dependencies (FastAPI's own mechanism:
  ``current_principal`` depends on the user-token scheme, survey-api's kiosk dependencies on the
  kiosk-token scheme), and those a dependency reads itself (``reads_schemes``).
* **Roles**: the :class:`~zdrav_shared.auth.RolesRequired` dependencies of a route; none means every
  signed-in role.
* **Response headers**: the ``ETag`` and ``Location`` headers the endpoint sets, found in its source
  (``response.headers["ETag"] = …``, or ``headers={"ETag": …}`` on a response it builds), following the
  module's own helper functions it calls and the shared package's (``charts.image_response``). A test
  over every service's suite checks this against the answers actually sent (``zdrav_shared.testing``).

Nothing here is a hand-kept list: a new route gets its entries by being written the usual way.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security.base import SecurityBase

from zdrav_shared.auth import RolesRequired

DOCUMENTED_HEADERS = ("ETag", "Location")
"""Response headers whose presence is declared in the OpenAPI document when an endpoint sets them."""


@dataclass(frozen=True)
class Operation:
    """One method of one route, as its code declares it."""

    method: str  # GET
    path: str  # /v1/indicators/{code}
    operation_id: str
    endpoint: Callable[..., Any]
    scheme_objects: tuple[SecurityBase, ...]  # the security schemes; any one of them is accepted
    roles: tuple[str, ...] | None  # None: every signed-in role
    headers: frozenset[str]  # of DOCUMENTED_HEADERS, those the endpoint sets on its success answers
    in_schema: bool

    @property
    def schemes(self) -> tuple[str, ...]:
        """The security schemes' names."""
        return tuple(scheme.scheme_name for scheme in self.scheme_objects)


def operations(app: FastAPI) -> list[Operation]:
    """Every API operation of ``app`` (included routers too), in routing order."""
    found: list[Operation] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        dependant: Dependant = context.dependant
        endpoint = context.endpoint
        assert endpoint is not None
        path = str(context.path_format)
        schemes = declared_schemes(dependant)
        for method in sorted(context.methods or ()):
            found.append(
                Operation(
                    method=method,
                    path=path,
                    operation_id=str(context.operation_id or context.unique_id),
                    endpoint=endpoint,
                    scheme_objects=schemes,
                    roles=declared_roles(dependant),
                    headers=headers_set_by(endpoint),
                    in_schema=bool(context.include_in_schema),
                )
            )
    return found


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _walk(sub)


def declared_schemes(dependant: Dependant) -> tuple[SecurityBase, ...]:
    """The security schemes a route depends on, in order of first appearance: those among its
    dependencies (FastAPI's own mechanism), and those a dependency reads itself and names in its
    ``reads_schemes`` (FastAPI does not see these: ``openapi.finish_document`` writes them)."""
    found: dict[str, SecurityBase] = {}
    for sub in _walk(dependant):
        schemes = (sub.call,) if isinstance(sub.call, SecurityBase) else getattr(sub.call, "reads_schemes", ())
        for scheme in schemes:
            found.setdefault(scheme.scheme_name, scheme)
    return tuple(found.values())


def declared_roles(dependant: Dependant) -> tuple[str, ...] | None:
    """The roles a route accepts: the intersection of its :class:`RolesRequired` dependencies (each must
    be satisfied), or None when it declares none."""
    roles: tuple[str, ...] | None = None
    for sub in _walk(dependant):
        if isinstance(sub.call, RolesRequired):
            declared = sub.call.roles
            roles = declared if roles is None else tuple(r for r in roles if r in declared)
    return roles


def headers_set_by(endpoint: Callable[..., Any]) -> frozenset[str]:
    """The :data:`DOCUMENTED_HEADERS` that ``endpoint`` (or a helper function of its module, or of
    ``zdrav_shared`` such as :func:`zdrav_shared.charts.image_response`, that it calls) sets on its answer."""
    return frozenset(_headers_in(inspect.unwrap(endpoint), frozenset()))


def _headers_in(function: Callable[..., Any], seen: frozenset[Callable[..., Any]]) -> set[str]:
    tree = _syntax_tree(function)
    if tree is None:
        return set()
    found: set[str] = set()
    module_globals: dict[str, Any] = getattr(function, "__globals__", {})
    for node in ast.walk(tree):
        found |= _header_names(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            helper = module_globals.get(node.func.id)
            if (
                inspect.isfunction(helper)
                and (helper.__module__ == function.__module__ or helper.__module__.startswith("zdrav_shared."))
                and helper not in seen
                and helper is not function
            ):
                found |= _headers_in(helper, seen | {function})
    return found


def _header_names(node: ast.AST) -> set[str]:
    # response.headers["ETag"] = …
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
        target = node.value
        key = node.slice
        if isinstance(target, ast.Attribute) and target.attr == "headers" and isinstance(key, ast.Constant):
            return {h for h in DOCUMENTED_HEADERS if str(key.value).lower() == h.lower()}
    # Response(…, headers={"ETag": …})
    if isinstance(node, ast.keyword) and node.arg == "headers" and isinstance(node.value, ast.Dict):
        keys = {str(k.value).lower() for k in node.value.keys if isinstance(k, ast.Constant)}
        return {h for h in DOCUMENTED_HEADERS if h.lower() in keys}
    return set()


@cache
def _syntax_tree(function: Callable[..., Any]) -> ast.AST | None:
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    return ast.parse(textwrap.dedent(source))
