"""Pure-ASGI middlewares: request id and Prometheus metrics, and the request body's size limit and
deadline.

They are plain ASGI callables rather than ``BaseHTTPMiddleware`` so that streaming bodies and
responses pass through untouched and the request id context variable stays visible to the app.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zdrav_shared.logging import request_id_var
from zdrav_shared.problems import PROBLEM_JSON, PayloadTooLarge, ProblemError

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.encode()
DATA_AS_OF_HEADER = "x-data-as-of"
# Used with fullmatch: ``$`` alone also matches before a trailing newline, which would be echoed.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


class RequestIdMiddleware:
    """Accept ``X-Request-ID`` (when well-formed) or generate one; bind it and return it. Given
    :class:`HttpMetrics`, also count and time every request by its route *template* (bounded label
    cardinality).

    The two share a layer: each ASGI layer is a coroutine and a ``send`` wrapper on every request, and
    a single response is short enough for that to show (py-spy, `make bench`)."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = _header(scope, _REQUEST_ID_KEY)
        # 32 random hex digits, like uuid4().hex without building a UUID on every request.
        request_id = incoming if incoming and _VALID_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((_REQUEST_ID_KEY, request_id.encode()))
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
            if self.metrics is not None:
                self.metrics.observe(scope, status, time.perf_counter() - started)


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
        # The labelled children by (method, route, status): ``labels()`` takes a lock and builds its key
        # on every call. Bounded as the labels are (route templates, not paths).
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        key = (scope["method"], _route_template(scope), status)
        children = self._children.get(key)
        if children is None:
            labels = (key[0], key[1], str(status))
            children = self._children[key] = (self.requests.labels(*labels), self.duration.labels(*labels))
        children[0].inc()
        children[1].observe(seconds)


class RequestBodyMiddleware:
    """The request body's two limits, in one layer: its size and the deadline for its arrival.

    - Over ``max_bytes`` (by the declared length, or while streaming): a 413 problem.
    - Not fully arrived ``timeout_s`` after the headers: a 408 problem. uvicorn times out idle
      keep-alive connections but not a body that trickles in: without a deadline a client sending one
      byte a second holds a request (and its memory) open for as long as it likes. The deadline covers
      the whole body, not each read, so dribbling never extends it. ``0`` disables it.

    Both answers close the connection (the rest of the body is never read). Whatever the app makes of
    the failed read is swapped for that answer. One layer with one timer per request, not two layers
    and an ``asyncio.timeout`` per read: that was ~5 % of a single response's CPU (py-spy, `make bench`).
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: Mapping[str, int] | None = None, timeout_s: float = 0
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Longest prefix first, so /v1/values/import can allow more than /v1/values.
        self.path_limits = sorted((path_limits or {}).items(), key=lambda kv: -len(kv[0]))
        self.timeout_s = timeout_s

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
            await _send_problem(send, _too_large(limit), scope.get("path"))
            return
        guard = _BodyGuard(receive, send, scope.get("path"), limit, self.timeout_s)
        try:
            await self.app(scope, guard.receive, guard.send)
        except _REFUSALS as exc:
            if not guard.replaced:
                await _send_problem(send, exc, scope.get("path"))
        finally:
            guard.close()


class _BodyTooLarge(PayloadTooLarge):
    """Raised into the app from a read. A problem, so that the app's own handlers answer it as one."""


class _BodyReadTimedOut(ProblemError):
    status = 408
    slug = "request-timeout"
    title = "Request timeout"


_REFUSALS = (_BodyTooLarge, _BodyReadTimedOut)
"""What a read raises into the app when the body is refused."""


class _BodyGuard:
    """One request's reads and answer under :class:`RequestBodyMiddleware`'s limits."""

    __slots__ = (
        "_complete",
        "_expired",
        "_limit",
        "_path",
        "_receive",
        "_received",
        "_send",
        "_task",
        "_timeout_s",
        "_timer",
        "_waiting",
        "refused",
        "replaced",
    )  # fmt: skip

    def __init__(self, receive: Receive, send: Send, path: str | None, limit: int, timeout_s: float) -> None:
        self._receive = receive
        self._send = send
        self._path = path
        self._limit = limit
        self._timeout_s = timeout_s
        self._received = 0
        self._complete = False
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[Any] | None = None
        self._waiting = False
        self._expired = False
        self.refused: ProblemError | None = None
        self.replaced = False
        if timeout_s > 0:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(loop.time() + timeout_s, self._expire)

    def _expire(self) -> None:
        # Fired at the deadline: a read still waiting is cancelled (as asyncio.timeout would); a read
        # that comes later sees the deadline passed by itself.
        self._timer = None
        if self._waiting and self._task is not None:
            self._expired = True
            self._task.cancel()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _refuse(self, problem: ProblemError) -> ProblemError:
        self.refused = problem
        self.close()
        return problem

    async def receive(self) -> Message:
        if self._complete:  # only http.disconnect is left to wait for: no limits on that
            return await self._receive()
        if self._timer is None and self._timeout_s > 0:  # the deadline has passed
            raise self._refuse(self._late())
        self._waiting = True
        self._task = asyncio.current_task()  # the one to cancel at the deadline (usually the request's)
        try:
            message = await self._receive()
        except asyncio.CancelledError:
            if self._expired and self._task is not None and self._task.uncancel() == 0:
                raise self._refuse(self._late()) from None
            raise
        finally:
            self._waiting = False
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limit:
                raise self._refuse(_too_large(self._limit))
            if not message.get("more_body", False):
                self._complete = True
                self.close()
        else:
            self._complete = True
            self.close()
        return message

    def _late(self) -> _BodyReadTimedOut:
        return _BodyReadTimedOut(f"the request body did not arrive within {self._timeout_s:g} s; send it at once")

    async def send(self, message: Message) -> None:
        if self.refused is not None:
            # The answer the app tried to send after the failed read is swapped for the problem.
            if message["type"] == "http.response.start" and not self.replaced:
                self.replaced = True
                await _send_problem(self._send, self.refused, self._path)
            return
        await self._send(message)


def _too_large(limit: int) -> _BodyTooLarge:
    return _BodyTooLarge(f"the request body exceeds the limit of {limit} bytes")


async def _send_problem(send: Send, error: ProblemError, path: str | None) -> None:
    """A problem answer that also closes the connection (the rest of the body is never read)."""
    body = json.dumps(error.to_problem(path)).encode()
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
