"""Slow-header clients against kpi-api under a real uvicorn process (started as every deployment starts it,
with ``--http zdrav_shared.http_protocol:…``): 60 connections that trickle header lines, one that sends
nothing, and a keep-alive connection that trickles its second request are all closed by the server once
``KPI_HEADER_READ_TIMEOUT_S`` (1 s here) has passed, while ordinary requests are answered meanwhile."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import time
import urllib.request
from collections.abc import Iterator

import pytest
from support import SERVICES

from zdrav_shared.testing import TEST_JWT_SECRET, ThrowawayDatabase

HEADER_READ_TIMEOUT_S = 1.0
SLOW_CLIENTS = 60
GIVE_UP_S = 20.0  # a client still open then was never closed by the server
TRICKLE_EVERY_S = 0.2


@pytest.fixture(scope="module")
def kpi_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from stack import ServiceProcess, free_port  # tests/e2e (on the pytest pythonpath)

    spec = SERVICES["kpi-api"]
    database = ThrowawayDatabase("sec-slow-headers-kpi", spec.migrations_dir)
    url = database.create()
    log = tmp_path_factory.mktemp("slow-headers") / "kpi.log"
    service = ServiceProcess("kpi-api", "kpi_api", "KPI", free_port(), url, log)
    env = {
        **os.environ,
        "ZDRAV_JWT_SECRET": TEST_JWT_SECRET,
        "KPI_DATABASE_URL": url,
        "KPI_HEADER_READ_TIMEOUT_S": str(HEADER_READ_TIMEOUT_S),
        "KPI_SOURCE_REFRESH_INTERVAL_S": "0",
        "KPI_LOG_LEVEL": "WARNING",
    }
    try:
        service.start(env)
        service.wait_ready()
        yield service.url
    finally:
        service.stop()
        database.drop()


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def _trickle(socks: list[socket.socket], first: bytes, line: bytes) -> dict[socket.socket, tuple[float, bytes]]:
    """Send ``first`` on every socket, then ``line`` every TRICKLE_EVERY_S on those still open; return,
    per socket, when the server closed it (seconds after the start) and what it had sent before."""
    started = time.monotonic()
    for sock in socks:
        if first:
            sock.sendall(first)
    received = {sock: b"" for sock in socks}
    closed: dict[socket.socket, tuple[float, bytes]] = {}
    while len(closed) < len(socks) and time.monotonic() - started < GIVE_UP_S:
        still_open = [s for s in socks if s not in closed]
        readable, _, _ = select.select(still_open, [], [], TRICKLE_EVERY_S)
        for sock in readable:
            try:
                chunk = sock.recv(65_536)
            except ConnectionResetError:
                chunk = b""
            if chunk:
                received[sock] += chunk
            else:
                closed[sock] = (time.monotonic() - started, received[sock])
        for sock in still_open:
            if sock in closed or not line:
                continue
            with contextlib.suppress(OSError):  # the server closed its side; recv tells us next round
                sock.sendall(line)
    return closed


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        status: int = response.status
        return status


def test_trickled_headers_are_closed_while_others_are_served(kpi_process: str) -> None:
    socks = [socket.create_connection(_address(kpi_process), timeout=GIVE_UP_S) for _ in range(SLOW_CLIENTS)]
    silent = socket.create_connection(_address(kpi_process), timeout=GIVE_UP_S)
    try:
        assert _get(kpi_process + "/healthz") == 200
        closed = _trickle([*socks, silent], b"GET /v1/indicators HTTP/1.1\r\nHost: kpi\r\n", b"X-Trickle: 1\r\n")
        # An ordinary request is answered after (and while, between rounds) the slow ones are held.
        assert _get(kpi_process + "/healthz") == 200
    finally:
        for sock in [*socks, silent]:
            sock.close()
    assert len(closed) == SLOW_CLIENTS + 1, f"{SLOW_CLIENTS + 1 - len(closed)} connections were never closed"
    for elapsed, answer in closed.values():
        assert elapsed >= HEADER_READ_TIMEOUT_S * 0.9, elapsed  # not refused before the deadline
        assert answer == b"", answer[:200]  # closed, not answered: no request was ever complete


def test_a_keep_alive_connection_trickling_its_next_request_is_closed(kpi_process: str) -> None:
    with socket.create_connection(_address(kpi_process), timeout=GIVE_UP_S) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: kpi\r\n\r\n")
        first = b""
        while b"\r\n\r\n" not in first:
            first += sock.recv(65_536)
        assert first.startswith(b"HTTP/1.1 200")
        closed = _trickle([sock], b"GET /healthz HTTP/1.1\r\n", b"X-Trickle: 1\r\n")
    assert len(closed) == 1, "the second, trickled request was never cut off"


def test_headers_in_time_are_served_on_a_slow_but_honest_connection(kpi_process: str) -> None:
    """Headers in a few pieces, well within the deadline, then two requests on the same connection."""
    with socket.create_connection(_address(kpi_process), timeout=GIVE_UP_S) as sock:
        for _ in range(2):
            for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: kpi\r\n", b"\r\n"):
                sock.sendall(piece)
                time.sleep(HEADER_READ_TIMEOUT_S / 10)
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65_536)
                assert chunk, "closed before answering"
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
