"""Signed webhooks from the outbox, against a real receiver on 127.0.0.1: signatures, order per
subject, retries with backoff, at-least-once through a worker that dies mid-delivery, scoping by
owner, target checks and the ``/v1/webhooks`` endpoints (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import MetaData, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.requests import Request
from starlette.responses import Response

from kpi_api.app import MIGRATIONS_DIR
from zdrav_shared.app import build_app
from zdrav_shared.settings import ServiceSettings
from zdrav_shared.testing import TEST_JWT_SECRET, issue_token
from zdrav_shared.webhooks.outbox import emit
from zdrav_shared.webhooks.router import webhooks_router
from zdrav_shared.webhooks.tables import webhook_tables
from zdrav_shared.webhooks.targets import TargetRefused, check_target
from zdrav_shared.webhooks.worker import DeliveryWorker, WebhookSettings, backoff, signature

tables = webhook_tables(MetaData())
SECRET = "a-long-shared-secret-for-tests"
EVENTS = ("value.submitted", "value.approved")


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it got and answers the queued statuses."""

    port: int = 0
    got: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        self.got.append({"headers": dict(request.headers), "body": body})
        status = self.statuses.pop(0) if self.statuses else 204
        await Response(status_code=status)(scope, receive, send)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    target = Receiver(port=sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(target, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    yield target
    server.should_exit = True
    await task


@pytest.fixture(scope="module")
def engine_url(database_url: str) -> Iterator[str]:
    async def create() -> None:
        engine = create_async_engine(database_url)
        async with engine.begin() as conn:
            await conn.run_sync(tables.subscriptions.metadata.create_all)
        await engine.dispose()

    asyncio.run(create())
    yield database_url


@pytest.fixture
async def engine(engine_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(engine_url)
    yield eng
    async with eng.begin() as conn:
        for table in (tables.deliveries, tables.events, tables.subscriptions):
            await conn.execute(delete(table))
    await eng.dispose()


class Clock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def subscribe(engine: AsyncEngine, url: str, owner: str = "RU", events: tuple[str, ...] = EVENTS) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(
            tables.subscriptions.insert()
            .values(
                url=url,
                events=list(events),
                secret=SECRET,
                owner=owner,
                created_by="t",
                active=True,
                created_at=datetime.now(UTC),
            )
            .returning(tables.subscriptions.c.id)
        )
        return int(result.scalar_one())


async def emit_many(engine: AsyncEngine, items: list[tuple[str, str, list[str], dict[str, Any]]]) -> None:
    async with engine.begin() as conn:
        for event, subject, scope, data in items:
            await emit(conn, tables, event=event, subject=subject, scope=scope, data=data)


def worker(engine: AsyncEngine, http: httpx.AsyncClient, clock: Clock) -> DeliveryWorker:
    settings = WebhookSettings(allow=frozenset({"127.0.0.1"}), lease_s=60, retry_for_s=24 * 3600)
    return DeliveryWorker(engine, tables, settings, http, clock=clock)


def bodies(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(g["body"]) for g in receiver.got]


class TestDelivery:
    async def test_signed_body_and_headers(self, engine: AsyncEngine, receiver: Receiver) -> None:
        await subscribe(engine, receiver.url)
        await emit_many(engine, [("value.approved", "value:7", ["RU", "RU-MUR"], {"id": 7, "value": "45.5"})])
        async with httpx.AsyncClient() as http:
            assert await worker(engine, http, Clock()).run_once() == 1
        [got] = receiver.got
        expected = "sha256=" + hmac.new(SECRET.encode(), got["body"], hashlib.sha256).hexdigest()
        assert got["headers"]["x-zdrav-signature"] == expected == signature(SECRET, got["body"])
        document = json.loads(got["body"])
        assert got["headers"]["x-zdrav-event"] == document["event"] == "value.approved"
        assert got["headers"]["x-zdrav-delivery"] == document["delivery_id"]
        assert document["data"] == {"id": 7, "value": "45.5"}
        assert set(document) == {"event", "delivery_id", "occurred_at", "data"}

    async def test_order_per_subject_survives_a_failure(self, engine: AsyncEngine, receiver: Receiver) -> None:
        await subscribe(engine, receiver.url)
        await emit_many(
            engine,
            [
                ("value.submitted", "value:1", ["RU"], {"n": 1}),
                ("value.submitted", "value:2", ["RU"], {"n": 2}),
                ("value.approved", "value:1", ["RU"], {"n": 3}),
            ],
        )
        receiver.statuses = [503]  # the first attempt (value:1, n=1) fails
        clock = Clock()
        async with httpx.AsyncClient() as http:
            w = worker(engine, http, clock)
            await w.run_once()
            # value:1's first event failed, so its second waits; value:2 went through.
            assert [b["data"]["n"] for b in bodies(receiver)] == [1, 2]
            assert await w.run_once() == 0  # backing off: nothing due yet
            clock.now += backoff(1)
            await w.run_once()
            await w.run_once()
        assert [b["data"]["n"] for b in bodies(receiver)] == [1, 2, 1, 3]
        first, retried = bodies(receiver)[0], bodies(receiver)[2]
        assert first["delivery_id"] == retried["delivery_id"]

    async def test_worker_killed_mid_delivery_redelivers(self, engine: AsyncEngine, receiver: Receiver) -> None:
        await subscribe(engine, receiver.url)
        await emit_many(engine, [("value.approved", "value:9", ["RU"], {"n": 9})])
        clock = Clock()
        async with httpx.AsyncClient() as http:
            dying = worker(engine, http, clock)
            await dying.fan_out()
            async with engine.begin() as conn:
                [claimed] = await dying._claim(conn, clock())
            await dying._send(claimed)  # the POST arrives; the worker dies before recording it
            survivor = worker(engine, http, clock)
            assert await survivor.run_once() == 0  # the lease still holds
            clock.now += timedelta(seconds=61)
            assert await survivor.run_once() == 1
        assert len(receiver.got) == 2
        assert len({b["delivery_id"] for b in bodies(receiver)}) == 1
        async with engine.connect() as conn:
            row = (await conn.execute(select(tables.deliveries))).one()
        assert row.status == "delivered" and row.attempts == 2

    async def test_gives_up_after_the_retry_window(self, engine: AsyncEngine, receiver: Receiver) -> None:
        await subscribe(engine, receiver.url)
        await emit_many(engine, [("value.approved", "value:3", ["RU"], {"n": 3})])
        receiver.statuses = [500] * 100
        clock = Clock()
        async with httpx.AsyncClient() as http:
            w = worker(engine, http, clock)
            for _ in range(40):
                await w.run_once()
                clock.now += timedelta(hours=1)
        async with engine.connect() as conn:
            row = (await conn.execute(select(tables.deliveries))).one()
        assert row.status == "failed" and row.last_status_code == 500
        # hourly attempts at most once the backoff is capped, stopping at 24 h: about 25-30 of them
        assert 20 <= row.attempts <= 30

    async def test_owner_receives_its_subtree_only(self, engine: AsyncEngine, receiver: Receiver) -> None:
        await subscribe(engine, receiver.url, owner="RU-MUR")
        await emit_many(
            engine,
            [
                ("value.approved", "value:1", ["RU", "RU-KYA", "KYA-1"], {"n": 1}),
                ("value.approved", "value:2", ["RU", "RU-MUR", "MUR-1"], {"n": 2}),
                ("value.submitted", "value:3", ["RU", "RU-MUR"], {"n": 3}),
            ],
        )
        async with engine.begin() as conn:
            await conn.execute(tables.subscriptions.update().values(events=["value.approved"]))  # only approvals wanted
        async with httpx.AsyncClient() as http:
            await worker(engine, http, Clock()).run_once()
        assert [b["data"]["n"] for b in bodies(receiver)] == [2]


class TestTargets:
    @pytest.mark.parametrize(
        "url", ["http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/"]
    )
    async def test_private_and_loopback_refused(self, url: str) -> None:
        with pytest.raises(TargetRefused):
            await check_target(url, frozenset())

    async def test_allowed_hosts_and_public_addresses(self) -> None:
        await check_target("http://127.0.0.1:9/x", frozenset({"127.0.0.1"}))
        await check_target("https://93.184.216.34/hook", frozenset())

    @pytest.mark.parametrize("url", ["ftp://93.184.216.34/", "https://user:pw@93.184.216.34/", "https:///x"])
    async def test_malformed_refused(self, url: str) -> None:
        with pytest.raises(TargetRefused):
            await check_target(url, frozenset())


@pytest.fixture
async def hooks_app(engine_url: str, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    settings = ServiceSettings(service_name="hooks-tests", database_url=engine_url, jwt_secret=TEST_JWT_SECRET)
    application = build_app(
        settings,
        title="hooks",
        description="webhooks",
        version="0",
        routers=[webhooks_router(tables, EVENTS)],
        migrations_dir=MIGRATIONS_DIR,
    )
    application.state.webhook_settings = WebhookSettings(allow=frozenset({"127.0.0.1"}))
    async with LifespanManager(application):
        yield application


def bearer(role: str, scope: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + issue_token(TEST_JWT_SECRET, f"{role}@{scope}", [role], [scope])}


class TestEndpoints:
    async def test_subscribe_log_and_replay(self, hooks_app: FastAPI, engine: AsyncEngine, receiver: Receiver) -> None:
        mur = bearer("regional_admin", "RU-MUR")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hooks_app), base_url="http://t") as client:
            created = await client.post(
                "/v1/webhooks", json={"url": receiver.url, "events": ["value.approved"], "secret": SECRET}, headers=mur
            )
            assert created.status_code == 201, created.text
            hook = created.json()
            assert hook["owner"] == "RU-MUR" and "secret" not in hook
            other = await client.get(f"/v1/webhooks/{hook['id']}", headers=bearer("regional_admin", "RU-KYA"))
            assert other.status_code == 404
            await emit_many(engine, [("value.approved", "value:5", ["RU", "RU-MUR"], {"n": 5})])
            async with httpx.AsyncClient() as http:
                await worker(engine, http, Clock()).run_once()
            log = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=mur)).json()
            assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("delivered", 1, 204)]
            replay = await client.post(
                f"/v1/webhooks/{hook['id']}/deliveries/{log[0]['delivery_id']}/replay", headers=mur
            )
            assert replay.status_code == 202 and replay.json()["replay_of"] == log[0]["delivery_id"]
            async with httpx.AsyncClient() as http:
                await worker(engine, http, Clock(datetime.now(UTC) + timedelta(seconds=1))).run_once()
        assert [b["data"]["n"] for b in bodies(receiver)] == [5, 5]
        assert bodies(receiver)[1]["delivery_id"] == replay.json()["delivery_id"]

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"url": "http://10.0.0.5/h", "events": ["value.approved"], "secret": SECRET}, "/url"),
            ({"url": "http://127.0.0.1:1/h", "events": ["response.detractor"], "secret": SECRET}, "/events/0"),
            ({"url": "http://127.0.0.1:1/h", "events": ["value.approved"], "secret": "short"}, "/secret"),
        ],
    )
    async def test_bad_subscriptions_are_422(self, hooks_app: FastAPI, body: dict[str, Any], pointer: str) -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hooks_app), base_url="http://t") as client:
            answer = await client.post("/v1/webhooks", json=body, headers=bearer("federal", "RU"))
        assert answer.status_code == 422
        assert pointer in [e["pointer"] for e in answer.json()["errors"]]

    async def test_operators_cannot_subscribe(self, hooks_app: FastAPI) -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hooks_app), base_url="http://t") as client:
            answer = await client.post(
                "/v1/webhooks",
                json={"url": "http://127.0.0.1:1/h", "events": ["value.approved"], "secret": SECRET},
                headers=bearer("mo_operator", "RU-MUR"),
            )
        assert answer.status_code == 403
