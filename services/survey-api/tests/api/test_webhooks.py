"""survey-api's webhooks against a real receiver on 127.0.0.1: a detractor (NPS 0–6) is an event
written with the response (on PostgreSQL's raw ingestion path too), its comment masked, sent once per
response however often the kiosk resends it, signed and at least once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from survey_api.models import WEBHOOKS
from zdrav_shared.webhooks.receiver import Receiver, receiving
from zdrav_shared.webhooks.worker import DeliveryWorker

from .conftest import KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, answers, create_campaign, kiosk_auth, register_kiosk

SECRET = "survey-webhook-secret-of-the-tests"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def receiver(kpi: respx.MockRouter) -> AsyncIterator[Receiver]:
    async with receiving() as target:
        # kpi-api is mocked (respx); the receiver is a real server the deliveries must reach.
        kpi.route(port=target.port).pass_through()
        yield target


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[DeliveryWorker]:
    async with httpx.AsyncClient() as http:
        yield DeliveryWorker(app.state.db.engine, WEBHOOKS, app.state.webhook_settings, http, clock=Clock())


async def drain(worker: DeliveryWorker) -> None:
    while await worker.run_once():
        pass


async def subscribe(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
    body = {"url": url, "events": ["response.detractor"], "secret": SECRET}
    response = await client.post("/v1/webhooks", json=body, headers=headers)
    assert response.status_code == 201, response.text


def entry(nps: int, comment: str | None = None) -> dict[str, Any]:
    body = answers(q1="no" if nps <= 6 else "yes", nps=nps, comment=comment)
    return {"id": str(uuid.uuid4()), "submitted_at": "2025-05-10T09:00:00+03:00", "answers": body}


@pytest.fixture
async def kiosk(client: httpx.AsyncClient) -> dict[str, Any]:
    await create_campaign(client)
    return await register_kiosk(client, org_unit="MUR-GP1")


class TestDetractors:
    async def test_detractors_only_masked_once_per_response(
        self,
        client: httpx.AsyncClient,
        kiosk: dict[str, Any],
        receiver: Receiver,
        worker: DeliveryWorker,
    ) -> None:
        await subscribe(client, receiver.url, MUR_ADMIN)
        batch = [
            entry(3, "Долго ждал, перезвоните 8 912 345-67-89"),
            entry(10, "Спасибо"),
            entry(6),
            entry(7, "Нормально"),
        ]
        for _ in range(2):  # the kiosk resends the whole batch: duplicates emit nothing again
            response = await client.post("/v1/responses/batch", json={"responses": batch}, headers=kiosk_auth(kiosk))
            assert response.status_code == 200, response.text
        await drain(worker)
        documents = [d.document for d in receiver.got]
        assert [d["data"]["response_id"] for d in documents] == sorted([batch[0]["id"], batch[2]["id"]])
        by_id = {d["data"]["response_id"]: d["data"] for d in documents}
        assert by_id[batch[0]["id"]]["comment"] == "Долго ждал, перезвоните [phone]"
        assert by_id[batch[0]["id"]]["nps"] == 3 and by_id[batch[0]["id"]]["org_unit_code"] == "MUR-GP1"
        assert by_id[batch[2]["id"]]["comment"] is None
        assert all(d.signed_with(SECRET) and d.headers["x-zdrav-event"] == "response.detractor" for d in receiver.got)

    async def test_a_single_response_and_redelivery(
        self,
        client: httpx.AsyncClient,
        kiosk: dict[str, Any],
        receiver: Receiver,
        worker: DeliveryWorker,
    ) -> None:
        await subscribe(client, receiver.url, MUR_ADMIN)
        receiver.statuses = [502]
        body = {**entry(0, "Грубый персонал"), "campaign_code": "mur-2025", "org_unit_code": "MUR-GP1"}
        body["channel"] = "online"
        assert (await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)).status_code == 201
        await drain(worker)
        assert isinstance(worker.clock, Clock)
        worker.clock.now += timedelta(minutes=5)
        await drain(worker)
        assert len(receiver.got) == 2
        assert receiver.got[0].headers["x-zdrav-delivery"] == receiver.got[1].headers["x-zdrav-delivery"]
        assert receiver.got[1].document["data"]["comment"] == "Грубый персонал"

    async def test_another_region_hears_nothing(
        self,
        client: httpx.AsyncClient,
        kiosk: dict[str, Any],
        receiver: Receiver,
        worker: DeliveryWorker,
    ) -> None:
        await subscribe(client, receiver.url, KYA_ADMIN)
        response = await client.post("/v1/responses/batch", json={"responses": [entry(1)]}, headers=kiosk_auth(kiosk))
        assert response.status_code == 200
        await drain(worker)
        assert receiver.got == []
