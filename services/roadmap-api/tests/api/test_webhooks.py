"""roadmap-api's webhooks against a real receiver on 127.0.0.1: a roadmap's first approval is
``roadmap.approved``, the approval of a revision ``roadmap.revised``; signed, in order per roadmap,
for the roadmap's region only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from roadmap_api.models import WEBHOOKS
from zdrav_shared.webhooks.receiver import Receiver, receiving
from zdrav_shared.webhooks.worker import DeliveryWorker

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, Approve

SECRET = "roadmap-webhook-secret-of-the-tests"
EVENTS = ["roadmap.approved", "roadmap.revised"]


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
        assert [d.headers["x-zdrav-event"] for d in receiver.got] == EVENTS
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
