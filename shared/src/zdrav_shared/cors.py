"""CORS for browser front ends on other origins (the ministry portal, dashboards, the kiosk web app).

The origins come from ``ZDRAV_CORS_ORIGINS`` (none by default: without it no browser on another origin
may call the API, and the middleware is not even installed). Tokens travel in ``Authorization``, never
in cookies, so credentials are not allowed. A front end may send the headers the API reads
(``Authorization``, ``If-Match``, ``Idempotency-Key``, ``X-Request-ID``) and read the ones it answers
with (``ETag`` for the next ``If-Match``, ``Location`` of what a POST created, ``X-Request-ID`` to quote
to support, ``Retry-After`` of a 429/503, ``Content-Disposition`` of an export, ``WWW-Authenticate``).
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from zdrav_shared.problems import PROBLEM_JSON, BadRequest

ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", "X-Request-ID")
EXPOSED_HEADERS = ("ETag", "Location", "X-Request-ID", "Retry-After", "Content-Disposition", "WWW-Authenticate")
PREFLIGHT_MAX_AGE_S = 600


class ZdravCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, with two differences: a request from an origin that is not allowed
    passes through untouched (no ``Access-Control-*`` header at all; its preflight reaches the app and
    is answered 405 like any OPTIONS), and a refused preflight from an allowed origin is a problem+json
    400 naming what was refused instead of a plain-text "Disallowed CORS headers"."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE_S,
        )
        self.inner = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            origin = _origin(scope)
            if origin is None or not self.is_allowed_origin(origin):
                await self.inner(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        detail = (
            f"{bytes(response.body).decode()}: methods {', '.join(ALLOWED_METHODS)} and headers "
            f"{', '.join(ALLOWED_HEADERS)} are allowed"
        )
        body = json.dumps(BadRequest(detail).to_problem()).encode()
        return Response(body, status_code=400, media_type=PROBLEM_JSON, headers={"Vary": "Origin"})


def _origin(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"origin":
            decoded: str = value.decode("latin-1")
            return decoded
    return None
