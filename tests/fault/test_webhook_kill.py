"""Fault test: kpi-api is killed (SIGKILL) while its delivery worker has webhooks in flight.

A real receiver on 127.0.0.1 answers slowly, so that deliveries are mid-POST when the process dies.
After a restart every event written before the kill reaches the receiver (at least once: a delivery
cut off is sent again with the same ``X-Zdrav-Delivery`` id once its lease expires), each signed, and
per value ``value.submitted`` always arrives before ``value.approved``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from stack import Stack
from starlette.requests import Request
from starlette.responses import Response

from zdrav_shared.testing import auth
from zdrav_shared.webhooks.worker import signature

pytestmark = pytest.mark.fault

VALUES = 40
SECRET = "fault-webhook-secret-0123456789"
DEADLINE_S = 120
FEDERAL = auth(["federal"], ["RU"])
APPROVER = auth(["federal"], ["RU"], sub="fault-approver")


class SlowReceiver:
    """Records every POST; takes a while over each, so that a kill finds some in flight."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        await asyncio.sleep(0.3)
        with self.lock:
            self.got.append({"headers": dict(request.headers), "body": body})
        await Response(status_code=204)(scope, receive, send)


@pytest.fixture
def receiver() -> Iterator[tuple[SlowReceiver, str]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    target = SlowReceiver()
    server = uvicorn.Server(uvicorn.Config(target, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield target, f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    running.create()
    running.extra_env.update(
        {"ZDRAV_WEBHOOK_ALLOW": "127.0.0.1", "ZDRAV_WEBHOOK_INTERVAL_S": "0.2", "ZDRAV_WEBHOOK_LEASE_S": "3"}
    )
    try:
        running.start("kpi")
        yield running
    finally:
        running.drop()


def _setup(url: str, hook_url: str) -> None:
    units = [
        {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
        {"code": "RU-MUR", "name_ru": "Мурманская область", "level": "region", "parent_code": "RU",
         "timezone": "Europe/Moscow"},
        {"code": "MUR-A", "name_ru": "Поликлиника", "level": "organisation", "parent_code": "RU-MUR"},
    ]  # fmt: skip
    with httpx.Client(base_url=url, timeout=10, headers=FEDERAL) as client:
        for unit in units:
            assert client.post("/v1/org-units", json=unit).status_code == 201
        indicator = {"code": "VISITS", "name_ru": "Посещения", "unit": "ед.", "kind": "input",
                     "direction": "higher_is_better", "periodicity": "month"}  # fmt: skip
        assert client.post("/v1/indicators", json=indicator).status_code == 201
        hook = {"url": hook_url, "events": ["value.submitted", "value.approved"], "secret": SECRET}
        created = client.post("/v1/webhooks", json=hook)
        assert created.status_code == 201, created.text


def _values(url: str) -> list[int]:
    """VALUES values submitted; the first half approved by another user. Returns their ids."""
    items = [
        {"indicator_code": "VISITS", "org_unit_code": "MUR-A", "period": f"{2020 + i // 12}-{1 + i % 12:02d}",
         "value": 100 + i}
        for i in range(VALUES)
    ]  # fmt: skip
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = client.post("/v1/values", json={"items": items, "submit": True}, headers=FEDERAL)
        assert answer.status_code == 200, answer.text
        ids = [int(r["id"]) for r in answer.json()["results"]]
        for value_id in ids[: VALUES // 2]:
            assert client.post(f"/v1/values/{value_id}/approve", headers=APPROVER).status_code == 200
    return ids


def test_nothing_is_lost_when_the_worker_is_killed(stack: Stack, receiver: tuple[SlowReceiver, str]) -> None:
    target, hook_url = receiver
    kpi = stack.services["kpi"]
    _setup(kpi.url, hook_url)
    ids = _values(kpi.url)
    expected = {("value.submitted", i) for i in ids} | {("value.approved", i) for i in ids[: VALUES // 2]}
    # Kill while deliveries are under way (some received, most not yet).
    deadline = time.monotonic() + DEADLINE_S
    while len(target.got) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    kpi.stop(kill=True)
    received_at_kill = len(target.got)
    assert received_at_kill < len(expected), "everything arrived before the kill: nothing was cut off"
    stack.start("kpi")

    def arrived() -> set[tuple[str, int]]:
        with target.lock:
            return {(json.loads(g["body"])["event"], json.loads(g["body"])["data"]["value_id"]) for g in target.got}

    while arrived() != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert arrived() == expected

    with target.lock:
        got = list(target.got)
    for delivery in got:
        assert hmac.compare_digest(delivery["headers"]["x-zdrav-signature"], signature(SECRET, delivery["body"]))
        assert json.loads(delivery["body"])["delivery_id"] == delivery["headers"]["x-zdrav-delivery"]
    # In order per value: every copy of "submitted" before any "approved".
    order = [(json.loads(g["body"])["event"], json.loads(g["body"])["data"]["value_id"]) for g in got]
    for value_id in ids[: VALUES // 2]:
        submitted = [n for n, e in enumerate(order) if e == ("value.submitted", value_id)]
        approved = [n for n, e in enumerate(order) if e == ("value.approved", value_id)]
        assert max(submitted) < min(approved), (value_id, submitted, approved)
