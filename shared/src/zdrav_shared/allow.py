"""A 405 names in ``Allow`` every method of the path, not only those of the first route that matched.

Starlette answers a method a path does not take with the methods of the *first* route whose path
matched (``allow: POST`` on a path that also has a GET, declared in another route). The handler here
recomputes ``Allow`` from every route of the app that matches the path, the way OpenAPI reads paths:
a concrete path (``/v1/org-units/import``) is matched before a templated one (``/v1/org-units/{code}``),
so only the routes with the fewest path parameters among those matching count.
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import compile_path

from zdrav_shared.routes import operations


class PathMethods:
    """Every path template of an app (included routers too) with its methods, ready to match."""

    def __init__(self, app: FastAPI) -> None:
        methods: dict[str, set[str]] = defaultdict(set)
        for operation in operations(app):
            methods[operation.path].add(operation.method)
        self._paths: list[tuple[re.Pattern[str], int, frozenset[str]]] = []
        for path, verbs in methods.items():
            regex, _, convertors = compile_path(path)
            self._paths.append((regex, len(convertors), frozenset(verbs)))

    def allowed(self, path: str) -> list[str]:
        """The methods of the most specific templates matching ``path`` (fewest parameters), sorted."""
        best: int | None = None
        found: set[str] = set()
        for regex, params, verbs in self._paths:
            if not regex.match(path):
                continue
            if best is None or params < best:
                best, found = params, set(verbs)
            elif params == best:
                found |= verbs
        return sorted(found)


def _route_path(request: Request) -> str:
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def install_allow_header(app: FastAPI) -> None:
    """Render 405s through the app's own HTTPException handler, with ``Allow`` computed over all routes
    (the table is built at the first 405, when every router is included)."""
    table: list[PathMethods] = []

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if not table:
            table.append(PathMethods(app))
        allow = table[0].allowed(_route_path(request))
        headers = {**(exc.headers or {}), **({"Allow": ", ".join(allow)} if allow else {})}
        handler = app.exception_handlers[HTTPException]
        response = handler(request, HTTPException(exc.status_code, exc.detail, headers))
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(405, method_not_allowed)
