"""A webhook receiver on 127.0.0.1 for the services' tests: a real HTTP server (uvicorn in the
running event loop) that records every delivery and answers the statuses queued for it."""

from __future__ import annotations

import asyncio
import hmac
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from zdrav_shared.webhooks.worker import SIGNATURE_HEADER, signature


@dataclass
class Delivery:
    """One POST as received."""

    headers: dict[str, str]
    body: bytes

    @property
    def document(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    def signed_with(self, secret: str) -> bool:
        """True when ``X-Zdrav-Signature`` is the HMAC-SHA256 of the exact body with ``secret``."""
        return hmac.compare_digest(self.headers.get(SIGNATURE_HEADER.lower(), ""), signature(secret, self.body))


@dataclass
class Receiver:
    """Records deliveries; answers ``statuses`` in turn (then 204)."""

    port: int = 0
    got: list[Delivery] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        self.got.append(Delivery(dict(request.headers), await request.body()))
        status = self.statuses.pop(0) if self.statuses else 204
        await Response(status_code=status)(scope, receive, send)


@asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    """A :class:`Receiver` listening on 127.0.0.1 (a free port) for the life of the block."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    target = Receiver(port=sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(target, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield target
    finally:
        server.should_exit = True
        await task
