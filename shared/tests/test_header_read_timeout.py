"""The header-read deadline of zdrav_shared.http_protocol, on both of uvicorn's HTTP/1.1 parsers: a request
whose headers trickle past it is cut off (connection closed, no answer), on a new connection and on a
keep-alive one after its first answer; headers in time are served; 0 turns the deadline off."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn
from fastapi import FastAPI

from zdrav_shared.http_protocol import H11Protocol, HttpToolsProtocol, header_read_timeout
from zdrav_shared.settings import ServiceSettings

PROTOCOLS = [pytest.param(HttpToolsProtocol, id="httptools"), pytest.param(H11Protocol, id="h11")]


def _app(timeout_s: float) -> FastAPI:
    app = FastAPI()
    app.state.settings = ServiceSettings(header_read_timeout_s=timeout_s)

    @app.get("/")
    async def root() -> dict[str, int]:
        return {"ok": 1}

    return app


async def _serve(protocol: type[asyncio.Protocol], timeout_s: float) -> AsyncIterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(_app(timeout_s), http=protocol, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    yield sock.getsockname()[1]
    server.should_exit = True
    await task


@pytest.fixture(params=PROTOCOLS)
async def port(request: pytest.FixtureRequest) -> AsyncIterator[int]:
    async for value in _serve(request.param, 0.3):
        yield value


async def _trickle_until_closed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, give_up_s: float) -> bytes:
    """Send a header line every 0.05 s; return what the server sent before closing (raises on give-up)."""

    async def trickle() -> None:
        while True:
            writer.write(b"X-Trickle: 1\r\n")
            await asyncio.sleep(0.05)

    sender = asyncio.create_task(trickle())
    try:
        return await asyncio.wait_for(reader.read(), timeout=give_up_s)
    finally:
        sender.cancel()


async def test_trickled_headers_are_cut_off(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n")
    assert await _trickle_until_closed(reader, writer, give_up_s=5) == b""
    writer.close()


async def test_a_keep_alive_connection_is_cut_off_on_its_next_request(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    assert (await reader.readuntil(b'{"ok":1}')).startswith(b"HTTP/1.1 200")
    for _ in range(3):  # together longer than the deadline: each request has its own
        await asyncio.sleep(0.15)
        writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert (await reader.readuntil(b'{"ok":1}')).startswith(b"HTTP/1.1 200")
    writer.write(b"GET / HTTP/1.1\r\n")
    assert await _trickle_until_closed(reader, writer, give_up_s=5) == b""
    writer.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_zero_turns_the_deadline_off(protocol: type[asyncio.Protocol]) -> None:
    async for port in _serve(protocol, 0):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n")
        with pytest.raises(TimeoutError):
            await _trickle_until_closed(reader, writer, give_up_s=1.0)
        writer.close()


def test_the_timeout_is_found_inside_uvicorns_wrappers() -> None:
    class Wrapper:
        def __init__(self, app: object) -> None:
            self.app = app

    assert header_read_timeout(Wrapper(Wrapper(_app(2.5)))) == 2.5
    assert header_read_timeout(object()) == 10.0
