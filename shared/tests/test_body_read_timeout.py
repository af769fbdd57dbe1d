"""The body-read deadline: a body that trickles in past it gets a 408 problem and a closed connection;
a body that arrives in time, and the wait for a disconnect after it, are untouched."""

from __future__ import annotations

import asyncio
import json

from fastapi import FastAPI, Request
from starlette.types import Message

from zdrav_shared.middleware import BodyReadTimeoutMiddleware
from zdrav_shared.problems import PROBLEM_JSON, install_problem_handlers


def _app(timeout_s: float) -> BodyReadTimeoutMiddleware:
    inner = FastAPI()
    install_problem_handlers(inner)

    @inner.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @inner.post("/json")
    async def parse(payload: dict[str, int]) -> dict[str, int]:
        return payload

    return BodyReadTimeoutMiddleware(inner, timeout_s=timeout_s)


async def _call(app: BodyReadTimeoutMiddleware, path: str, chunks: list[bytes], pause_s: float) -> list[Message]:
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
