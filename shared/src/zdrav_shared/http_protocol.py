"""uvicorn's HTTP/1.1 protocols with a deadline on the request headers (slow-header clients).

uvicorn closes an idle keep-alive connection after ``--timeout-keep-alive``, but any byte that arrives
cancels that timer, and nothing else bounds how long the request line and headers may take: a client
sending one header line every few seconds holds a connection (and a file descriptor) open for as long
as it likes — hundreds of them hold a replica. The protocols here start a timer when a connection is
made and after each response, stop it when a request's headers are complete, and close the connection
when it fires. The body has its own deadline (``RequestBodyMiddleware``, a 408).

The deadline is the app's ``<PREFIX>_HEADER_READ_TIMEOUT_S`` (``ServiceSettings.header_read_timeout_s``,
10 s; 0 turns it off). Start uvicorn with ``--http zdrav_shared.http_protocol:HttpToolsProtocol`` (the
protocol uvicorn's ``auto`` picks with ``uvicorn[standard]``) or ``…:H11Protocol``. In production the
ingress closes slow clients first: see docs/operations.md.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.h11_impl import H11Protocol as _H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _HttpToolsProtocol

UVICORN_HTTP = "zdrav_shared.http_protocol:HttpToolsProtocol"
"""The value of uvicorn's ``--http`` that every way of starting a service uses."""

DEFAULT_HEADER_READ_TIMEOUT_S = 10.0
_CONFIG_ATTRIBUTE = "zdrav_header_read_timeout_s"

if TYPE_CHECKING:
    _Base = _HttpToolsProtocol
else:
    _Base = object


def header_read_timeout(app: Any) -> float:
    """The ``header_read_timeout_s`` of the service app inside uvicorn's wrappers (``ProxyHeaders``,
    the message logger: each keeps the app it wraps as ``.app``); the default when there is none."""
    seen = 0
    while app is not None and seen < 16:
        settings = getattr(getattr(app, "state", None), "settings", None)
        value = getattr(settings, "header_read_timeout_s", None)
        if isinstance(value, int | float):
            return float(value)
        app, seen = getattr(app, "app", None), seen + 1
    return DEFAULT_HEADER_READ_TIMEOUT_S


class _HeaderDeadline(_Base):
    """The deadline, over whichever parser the protocol uses: both set ``self.cycle`` to a new request
    cycle when a request's headers are complete."""

    _header_timer: asyncio.TimerHandle | None = None

    def _header_timeout_s(self) -> float:
        cached = getattr(self.config, _CONFIG_ATTRIBUTE, None)
        if cached is None:
            cached = header_read_timeout(self.config.loaded_app)
            setattr(self.config, _CONFIG_ATTRIBUTE, cached)
        return float(cached)

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        timeout = self._header_timeout_s()
        if timeout > 0:
            self._header_timer = self.loop.call_later(timeout, self._header_deadline_passed)

    def _disarm_header_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline_passed(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        super().data_received(data)
        if self.cycle is not before:  # a request's headers are complete
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        waiting = self.cycle is None or self.cycle.response_complete  # not a pipelined request already read
        if waiting and not self.transport.is_closing():
            self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)


class HttpToolsProtocol(_HeaderDeadline, _HttpToolsProtocol):
    """uvicorn's httptools protocol with the header deadline."""


class H11Protocol(_HeaderDeadline, _H11Protocol):  # type: ignore[misc]
    """uvicorn's h11 protocol with the header deadline."""
