"""roadmap-api's webhooks against a real receiver on 127.0.0.1: a roadmap's first approval is
``roadmap.approved``, the approval of a revision ``roadmap.revised``; signed, in order per roadmap,
for the roadmap's region only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from roadmap_api.models import WEBHOOKS
from roadmap_api.webhooks.overdue import sweep_overdue
from zdrav_shared.webhooks.receiver import Receiver, receiving
from zdrav_shared.webhooks.worker import DeliveryWorker

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, Approve, TaskFactory

SECRET = "roadmap-webhook-secret-of-the-tests"
EVENTS = ["roadmap.approved", "roadmap.revised", "task.overdue"]


@pytest.fixture
async def receiver(kpi_api: respx.MockRouter) -> AsyncIterator[Receiver]:
    async with receiving() as target:
        kpi_api.route(port=target.port).pass_through()  # kpi-api is mocked; the receiver is real
        yield target


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[DeliveryWorker]:
    async with httpx.AsyncClient() as http:
        yield DeliveryWorker(app.state.db.engine, WEBHOOKS, app.state.webhook_settings, http)


async def drain(worker: DeliveryWorker) -> None:
    while await worker.run_once():
        pass


async def subscribe(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
    response = await client.post("/v1/webhooks", json={"url": url, "events": EVENTS, "secret": SECRET}, headers=headers)
    assert response.status_code == 201, response.text


async def approved_then_revised(client: httpx.AsyncClient, make_roadmap: Any, approve: Approve) -> int:
    rid = int((await make_roadmap())["id"])
    await approve(rid)
    opened = await client.post(f"/v1/roadmaps/{rid}/revisions", json={"reason": "Сроки сорваны"}, headers=FEDERAL)
    assert opened.status_code == 201, opened.text
    await approve(rid)
    return rid


class TestRoadmapEvents:
    async def test_approval_then_revision_in_order_and_signed(
        self,
        client: httpx.AsyncClient,
        make_roadmap: Any,
        approve: Approve,
        receiver: Receiver,
        worker: DeliveryWorker,
    ) -> None:
        await subscribe(client, receiver.url, MUR_ADMIN)
        rid = await approved_then_revised(client, make_roadmap, approve)
        await drain(worker)
        assert [d.headers["x-zdrav-event"] for d in receiver.got] == EVENTS[:2]
        assert all(d.signed_with(SECRET) for d in receiver.got)
        data = [d.document["data"] for d in receiver.got]
        assert [(d["roadmap_id"], d["plan_version"]) for d in data] == [(rid, 1), (rid, 2)]
        assert {d["region_code"] for d in data} == {"RU-MUR"}

    async def test_another_region_hears_nothing(
        self,
        client: httpx.AsyncClient,
        make_roadmap: Any,
        approve: Approve,
        receiver: Receiver,
        worker: DeliveryWorker,
    ) -> None:
        await subscribe(client, receiver.url, KYA_ADMIN)
        await approved_then_revised(client, make_roadmap, approve)
        await drain(worker)
        assert receiver.got == []


class TestOverdueTasks:
    async def test_an_open_task_past_due_is_announced_once_per_due_date(
        self,
        client: httpx.AsyncClient,
        make_roadmap: Any,
        make_task: TaskFactory,
        approve: Approve,
        receiver: Receiver,
        app: FastAPI,
    ) -> None:
        await subscribe(client, receiver.url, MUR_ADMIN)
        rid = int((await make_roadmap())["id"])
        late = await make_task(rid, due_date="2025-03-31", org_unit_code="MUR-GP1")
        await make_task(rid, due_date="2025-03-31", title="Сделано")
        done = (await client.get(f"/v1/roadmaps/{rid}/tasks", headers=FEDERAL)).json()
        finished = next(t for t in _flat(done) if t["title"] == "Сделано")
        patched = await client.patch(
            f"/v1/tasks/{finished['id']}", json={"status": "done", "completed_on": "2025-03-30"}, headers=FEDERAL
        )
        assert patched.status_code == 200, patched.text
        await make_task(rid, due_date="2026-12-31", title="Позже")
        await approve(rid)
        clock = Clock(datetime(2025, 4, 1, 6, 0, tzinfo=UTC))  # 09:00 in Murmansk: 31 March has passed
        async with httpx.AsyncClient() as http:
            worker = DeliveryWorker(
                app.state.db.engine, WEBHOOKS, app.state.webhook_settings, http, clock=clock, sweep=sweep_overdue
            )
            await drain(worker)
            clock.now += timedelta(hours=2)
            worker._swept_at = None  # the next sweep at once: it finds nothing new
            await drain(worker)
        names = [d.headers["x-zdrav-event"] for d in receiver.got]
        assert names == ["roadmap.approved", "task.overdue"]
        data = receiver.got[1].document["data"]
        assert (data["task_id"], data["due_date"], data["org_unit_code"]) == (late["id"], "2025-03-31", "MUR-GP1")
        assert receiver.got[1].signed_with(SECRET)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _flat(tasks: Any) -> list[dict[str, Any]]:
    items = tasks.get("items", tasks) if isinstance(tasks, dict) else tasks
    found: list[dict[str, Any]] = []
    for task in items:
        found.append(task)
        found.extend(_flat(task.get("children", [])))
    return found
