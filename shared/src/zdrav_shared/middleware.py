"""Pure-ASGI middlewares: request id, Prometheus metrics, the request body size limit and the body-read
deadline.

They are plain ASGI callables rather than ``BaseHTTPMiddleware`` so that streaming bodies and
responses pass through untouched and the request id context variable stays visible to the app.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zdrav_shared.logging import request_id_var
from zdrav_shared.problems import PROBLEM_JSON, PayloadTooLarge, ProblemError

REQUEST_ID_HEADER = "x-request-id"
DATA_AS_OF_HEADER = "x-data-as-of"
# Used with fullmatch: ``$`` alone also matches before a trailing newline, which would be echoed.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


class RequestIdMiddleware:
    """Accept ``X-Request-ID`` (when well-formed) or generate one; bind it and return it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER.encode())
        request_id = incoming if incoming and _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                # Set by zdrav_shared.replica.read_session: how current the answer's data is.
                as_of = state.get("data_as_of")
                if as_of is not None:
                    headers.append((DATA_AS_OF_HEADER.encode(), as_of_header(as_of).encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


def as_of_header(value: datetime) -> str:
    """``X-Data-As-Of``: RFC 3339 in UTC with milliseconds (replication lag is often below a second)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HttpMetrics:
    """The HTTP metrics of one service, in a registry the app owns (no global state)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "zdrav_http_requests_total",
            "HTTP requests by route template, method and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "zdrav_http_request_duration_seconds",
            "HTTP request latency by route template and method",
            ["method", "route", "status"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


class MetricsMiddleware:
    """Count and time every request by its route *template* (bounded label cardinality)."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            route = _route_template(scope)
            labels = (scope["method"], route, str(status["code"]))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.duration.labels(*labels).observe(time.perf_counter() - started)


class BodySizeLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with a 413 problem, by header or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int, path_limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Longest prefix first, so /v1/values/import can allow more than /v1/values.
        self.path_limits = sorted((path_limits or {}).items(), key=lambda kv: -len(kv[0]))

    def _limit_for(self, path: str) -> int:
        for prefix, limit in self.path_limits:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope.get("path", ""))
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_too_large(send, limit, scope)
            return

        received = 0
        exceeded = False
        replaced = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # The app sees a failed read, whatever it makes of that; the answer it then
                    # tries to send is swapped for the 413 below.
                    exceeded = True
                    raise _BodyTooLarge(f"the request body exceeds the limit of {limit} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal replaced
            if exceeded:
                if message["type"] == "http.response.start" and not replaced:
                    replaced = True
                    await _send_too_large(send, limit, scope)
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not replaced:
                await _send_too_large(send, limit, scope)


class _BodyTooLarge(PayloadTooLarge):
    pass


async def _send_too_large(send: Send, limit: int, scope: Scope) -> None:
    problem = PayloadTooLarge(f"the request body exceeds the limit of {limit} bytes").to_problem(scope.get("path"))
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestTimeout(ProblemError):
    status = 408
    slug = "request-timeout"
    title = "Request timeout"


class _BodyReadTimedOut(RequestTimeout):
    pass


class BodyReadTimeoutMiddleware:
    """Answer 408 (and close) when a request body has not fully arrived ``timeout_s`` after its headers.

    uvicorn times out idle keep-alive connections but not a body that trickles in: without a deadline
    a client sending one byte a second holds a request (and its memory) open for as long as it likes.
    The deadline covers the whole body, not each read, so dribbling never extends it. ``0`` disables it.
    """

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.timeout_s <= 0:
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        body_complete = False
        timed_out = False
        replaced = False

        async def timed_receive() -> Message:
            nonlocal body_complete, timed_out
            if body_complete:  # only http.disconnect is left to wait for: no deadline on that
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                timed_out = True
                raise _BodyReadTimedOut(
                    f"the request body did not arrive within {self.timeout_s:g} s; send it at once"
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_complete = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal replaced
            if timed_out:
                # Whatever the app made of the failed read is swapped for the 408 below.
                if message["type"] == "http.response.start" and not replaced:
                    replaced = True
                    await _send_problem(
                        send,
                        RequestTimeout(f"the request body did not arrive within {self.timeout_s:g} s; send it at once"),
                        scope,
                    )
                return
            await send(message)

        try:
            await self.app(scope, timed_receive, guarded_send)
        except _BodyReadTimedOut as exc:
            if not replaced:
                await _send_problem(send, exc, scope)


async def _send_problem(send: Send, error: ProblemError, scope: Scope) -> None:
    """A problem answer that also closes the connection (the rest of the body is never read)."""
    body = json.dumps(error.to_problem(scope.get("path"))).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            try:
                decoded: str = value.decode("latin-1")
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
                return None
            return decoded
    return None


def _route_template(scope: Scope) -> str:
    """The matched route's path template, or ``unmatched`` (never the raw path)."""
    route: Any = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    app: Any = scope.get("app")
    router = getattr(app, "router", None)
    for candidate in getattr(router, "routes", []):
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(getattr(candidate, "path", "unmatched"))
    return "unmatched"
