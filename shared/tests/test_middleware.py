"""The pure-ASGI middlewares: request id, metrics by route template, request body size limit."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import structlog
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from zdrav_shared.logging import request_id_var
from zdrav_shared.middleware import RequestBodyMiddleware, RequestIdMiddleware
from zdrav_shared.problems import PROBLEM_JSON, PROBLEM_TYPE_BASE

MAX_BODY = 1024  # conftest: the app's max_body_bytes
BIG_BODY = 8192  # conftest: the limit under /big

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def log_lines(app: FastAPI) -> io.StringIO:
    """Redirect the JSON log lines configured by the app's lifespan into a buffer (same processors)."""
    buffer = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=buffer))
    return buffer


def events(buffer: io.StringIO, event: str) -> list[dict]:
    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == event]


class TestRequestId:
    async def test_well_formed_id_is_accepted_and_returned(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/things/a", headers={"X-Request-ID": "kiosk-17:batch.42"})
        assert response.headers["x-request-id"] == "kiosk-17:batch.42"

    async def test_generated_when_absent(self, client: httpx.AsyncClient) -> None:
        first = (await client.get("/things/a")).headers["x-request-id"]
        second = (await client.get("/things/a")).headers["x-request-id"]
        assert GENERATED.match(first) and GENERATED.match(second)
        assert first != second

    @pytest.mark.parametrize("bad", ["has spaces in it", "x" * 300, "semi;colon", "new\tline", "ünï"])
    async def test_malformed_id_is_replaced(self, client: httpx.AsyncClient, bad: str) -> None:
        response = await client.get("/things/a", headers={"X-Request-ID": bad.encode()})
        returned = response.headers["x-request-id"]
        assert returned != bad
        assert GENERATED.match(returned)

    async def test_128_chars_is_still_accepted(self, client: httpx.AsyncClient) -> None:
        rid = "a" * 128
        assert (await client.get("/things/a", headers={"X-Request-ID": rid})).headers["x-request-id"] == rid

    async def test_returned_on_problems_too(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/raise/not-found", headers={"X-Request-ID": "rid-404"})
        assert response.status_code == 404
        assert response.headers["x-request-id"] == "rid-404"

    async def test_bound_in_log_lines_inside_the_handler(
        self, client: httpx.AsyncClient, log_lines: io.StringIO
    ) -> None:
        await client.get("/things/one", headers={"X-Request-ID": "rid-log-1"})
        response = await client.get("/things/two")
        lines = events(log_lines, "thing_read")
        assert [(line["thing_id"], line["request_id"]) for line in lines] == [
            ("one", "rid-log-1"),
            ("two", response.headers["x-request-id"]),
        ]
        assert all(line["service"] == "shared-tests" for line in lines)
        assert request_id_var.get() is None  # reset after the request

    async def test_bound_in_the_log_line_of_a_crash(self, client: httpx.AsyncClient, log_lines: io.StringIO) -> None:
        await client.get("/boom", headers={"X-Request-ID": "rid-crash"})
        (line,) = events(log_lines, "request_failed")
        assert line["request_id"] == "rid-crash"
        assert "RuntimeError" in line["exception"]

    async def test_trailing_newline_is_not_accepted(self) -> None:
        """Straight at the ASGI level: a header a lenient server might pass through."""
        seen: list[str | None] = []

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(request_id_var.get())
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"x-request-id", b"abc\n")]}
        await RequestIdMiddleware(app)(scope, receive, send)
        assert seen[0] != "abc\n"
        assert dict(sent[0]["headers"])[b"x-request-id"] == seen[0].encode()  # type: ignore[union-attr]


def sample(app: FastAPI, name: str, labels: dict[str, str]) -> float:
    value = app.state.metrics_registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


class TestMetrics:
    async def test_counted_by_route_template_not_raw_path(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        for thing in ("a", "b", "c"):
            assert (await client.get(f"/things/{thing}")).status_code == 200
        labels = {"method": "GET", "route": "/things/{thing_id}", "status": "200"}
        assert sample(app, "zdrav_http_requests_total", labels) == 3
        assert sample(app, "zdrav_http_request_duration_seconds_count", labels) == 3
        assert sample(app, "zdrav_http_requests_total", {**labels, "route": "/things/a"}) == 0

    async def test_status_and_unmatched_paths(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        await client.get("/raise/forbidden")
        await client.get("/boom")
        for n in range(3):
            await client.get(f"/no/such/{n}")
        assert (
            sample(app, "zdrav_http_requests_total", {"method": "GET", "route": "/raise/{name}", "status": "403"}) == 1
        )
        assert sample(app, "zdrav_http_requests_total", {"method": "GET", "route": "/boom", "status": "500"}) == 1
        assert sample(app, "zdrav_http_requests_total", {"method": "GET", "route": "unmatched", "status": "404"}) == 3

    async def test_metrics_endpoint_exposes_them(self, client: httpx.AsyncClient) -> None:
        await client.get("/things/x")
        text = (await client.get("/metrics")).text
        assert 'zdrav_http_requests_total{method="GET",route="/things/{thing_id}",status="200"} 1.0' in text


async def chunks(total: int, size: int = 256) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece


def assert_too_large(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"] == PROBLEM_TYPE_BASE + "payload-too-large"
    assert str(limit) in body["detail"]


class TestBodyLimit:
    async def test_within_the_limit_passes(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/upload", content=b"x" * MAX_BODY)
        assert response.status_code == 200
        assert response.json() == {"size": MAX_BODY}

    async def test_content_length_over_the_limit(self, client: httpx.AsyncClient) -> None:
        assert_too_large(await client.post("/upload", content=b"x" * (MAX_BODY + 1)), MAX_BODY)

    async def test_json_route_over_the_limit(self, client: httpx.AsyncClient) -> None:
        payload = {"items": [{"value": 1, "period": "2025"}] * 100}
        assert_too_large(await client.post("/upload-json", json=payload), MAX_BODY)

    async def test_streamed_body_without_content_length(self, client: httpx.AsyncClient) -> None:
        request = client.build_request("POST", "/upload", content=chunks(MAX_BODY * 3))
        assert "content-length" not in request.headers
        assert request.headers["transfer-encoding"] == "chunked"
        assert_too_large(await client.send(request), MAX_BODY)

    async def test_streamed_json_body_without_content_length(self, client: httpx.AsyncClient) -> None:
        async def body() -> AsyncIterator[bytes]:
            yield b'{"items": ['
            for _ in range(200):
                yield b'{"value": 1, "period": "2025"},'
            yield b'{"value": 1, "period": "2025"}]}'

        response = await client.post("/upload-json", content=body(), headers={"content-type": "application/json"})
        assert_too_large(response, MAX_BODY)

    async def test_streamed_body_within_the_limit_passes(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/upload", content=chunks(MAX_BODY))
        assert response.status_code == 200
        assert response.json() == {"size": MAX_BODY}

    async def test_path_limit_overrides(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/big/upload", content=b"x" * (BIG_BODY - 1))
        assert response.status_code == 200
        assert response.json() == {"size": BIG_BODY - 1}
        response = await client.post("/big/upload", content=chunks(BIG_BODY))
        assert response.status_code == 200
        assert_too_large(await client.post("/big/upload", content=b"x" * (BIG_BODY + 1)), BIG_BODY)
        assert_too_large(await client.post("/big/upload", content=chunks(BIG_BODY + 1)), BIG_BODY)

    async def test_declared_length_is_refused_before_the_app_or_the_body(self) -> None:
        called: list[str] = []

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            called.append("app")

        async def receive() -> Message:
            called.append("receive")
            return {"type": "http.request", "body": b"", "more_body": False}

        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/x", "headers": [(b"content-length", b"11")]}
        await RequestBodyMiddleware(app, max_bytes=10)(scope, receive, send)
        assert called == []
        assert sent[0]["status"] == 413
        assert json.loads(sent[1]["body"])["status"] == 413

    def test_longest_prefix_wins(self) -> None:
        middleware = RequestBodyMiddleware(
            app=None,  # type: ignore[arg-type]
            max_bytes=10,
            path_limits={"/v1/values": 100, "/v1/values/import": 1000},
        )
        assert middleware._limit_for("/v1/values/import/csv") == 1000
        assert middleware._limit_for("/v1/values/7") == 100
        assert middleware._limit_for("/v1/other") == 10

    async def test_request_id_on_a_413(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/upload", content=b"x" * (MAX_BODY + 1), headers={"X-Request-ID": "rid-413"})
        assert response.status_code == 413
        assert response.headers["x-request-id"] == "rid-413"
