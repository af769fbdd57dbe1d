"""The body-read deadline: a body that trickles in past it gets a 408 problem and a closed connection;
a body that arrives in time, and the wait for a disconnect after it, are untouched."""

from __future__ import annotations

import asyncio
import json

from fastapi import FastAPI, Request
from starlette.types import Message

from zdrav_shared.middleware import RequestBodyMiddleware
from zdrav_shared.problems import PROBLEM_JSON, install_problem_handlers


def _app(timeout_s: float) -> RequestBodyMiddleware:
    inner = FastAPI()
    install_problem_handlers(inner)

    @inner.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @inner.post("/json")
    async def parse(payload: dict[str, int]) -> dict[str, int]:
        return payload

    return RequestBodyMiddleware(inner, max_bytes=1 << 20, timeout_s=timeout_s)


async def _call(app: RequestBodyMiddleware, path: str, chunks: list[bytes], pause_s: float) -> list[Message]:
    """Send the body in chunks with a pause before each; collect what the app sends."""
    pending = list(chunks)
    sent: list[Message] = []

    async def receive() -> Message:
        if not pending:
            await asyncio.sleep(3600)  # the client keeps the connection open
        await asyncio.sleep(pause_s)
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"content-type", b"application/json")], "http_version": "1.1", "scheme": "http",
             "server": ("test", 80), "client": ("test", 1), "root_path": ""}  # fmt: skip
    await asyncio.wait_for(app(scope, receive, send), timeout=5)
    return sent


async def test_a_slow_body_is_a_408_that_closes_the_connection() -> None:
    for path in ("/echo", "/json"):  # a raw read, and FastAPI's own body parsing (which turns errors into 400)
        loop = asyncio.get_running_loop()
        started = loop.time()
        sent = await _call(_app(0.3), path, [b'{"a"', b": 1", b"}"], pause_s=0.2)
        assert loop.time() - started < 1.0
        start = sent[0]
        assert start["status"] == 408, sent
        headers = dict(start["headers"])
        assert headers[b"content-type"] == PROBLEM_JSON.encode()
        assert headers[b"connection"] == b"close"
        problem = json.loads(sent[1]["body"])
        assert problem["status"] == 408 and "0.3 s" in problem["detail"]


async def test_a_body_in_time_passes_untouched() -> None:
    sent = await _call(_app(1.0), "/json", [b'{"a"', b": 1", b"}"], pause_s=0.05)
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"a": 1}


async def test_zero_disables_the_deadline() -> None:
    sent = await _call(_app(0), "/echo", [b"x", b"y"], pause_s=0.1)
    assert sent[0]["status"] == 200


async def test_a_deadline_that_passed_while_the_app_was_busy_refuses_the_next_read() -> None:
    """The timer fires while nobody reads: the next read is refused at once, not after another wait."""
    inner = FastAPI()
    install_problem_handlers(inner)

    @inner.post("/slow")
    async def slow(request: Request) -> dict[str, int]:
        await asyncio.sleep(0.3)  # busy past the 0.2 s deadline before reading anything
        return {"size": len(await request.body())}

    sent = await _call(RequestBodyMiddleware(inner, max_bytes=1 << 20, timeout_s=0.2), "/slow", [b"{}"], pause_s=0)
    assert sent[0]["status"] == 408


async def test_a_cancellation_from_outside_is_not_a_timeout() -> None:
    """The server cancelling the request (a client gone) stays a cancellation: no 408 is made of it."""
    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/echo", "raw_path": b"/echo", "query_string": b"",
             "headers": [], "http_version": "1.1", "scheme": "http", "server": ("test", 80), "client": ("test", 1),
             "root_path": ""}  # fmt: skip
    task = asyncio.create_task(_app(5.0)(scope, receive, send))
    await asyncio.sleep(0.05)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    else:  # pragma: no cover - the assertion below names what went wrong
        raise AssertionError(f"the request finished instead of being cancelled: {sent}")
    assert task.cancelled() and not any(m.get("status") == 408 for m in sent)
