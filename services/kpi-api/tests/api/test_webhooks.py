"""kpi-api's webhooks against a real receiver on 127.0.0.1: a value's steps (submitted, approved,
reopened) written in the transaction of the step, delivered signed, in order per value, at least once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kpi_api.models import WEBHOOKS
from kpi_api.webhooks.deadlines import sweep_missed_deadlines
from zdrav_shared.webhooks.receiver import Receiver, receiving
from zdrav_shared.webhooks.worker import DeliveryWorker

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, create_indicator, item, post_values

SECRET = "kpi-webhook-secret-of-the-tests"
EVENTS = ["value.submitted", "value.approved", "value.reopened"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as target:
        yield target


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[DeliveryWorker]:
    async with httpx.AsyncClient() as http:
        yield DeliveryWorker(app.state.db.engine, WEBHOOKS, app.state.webhook_settings, http, clock=Clock())


async def drain(worker: DeliveryWorker) -> None:
    """Rounds until nothing is due (each round sends at most one event per value)."""
    while await worker.run_once():
        pass


async def subscribe(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    body = {"url": url, "events": EVENTS, "secret": SECRET}
    response = await client.post("/v1/webhooks", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def steps(client: httpx.AsyncClient) -> int:
    """A value of MUR-A submitted by its operator, approved and reopened by the regional admin."""
    await create_indicator(client, "VISITS")
    [result] = await post_values(client, [item("VISITS", "MUR-A", "2025Q2", 120)], MUR_OPERATOR, submit=True)
    value_id = int(result["id"])
    assert (await client.post(f"/v1/values/{value_id}/approve", headers=MUR_ADMIN)).status_code == 200
    reopen = await client.post(f"/v1/values/{value_id}/reopen", json={"reason": "ошибка ввода"}, headers=MUR_ADMIN)
    assert reopen.status_code == 200, reopen.text
    return value_id


class TestValueEvents:
    async def test_steps_arrive_signed_and_in_order(
        self, client: httpx.AsyncClient, org_tree: None, receiver: Receiver, worker: DeliveryWorker
    ) -> None:
        await subscribe(client, receiver.url, MUR_ADMIN)
        value_id = await steps(client)
        await drain(worker)
        assert [d.headers["x-zdrav-event"] for d in receiver.got] == EVENTS
        for delivery in receiver.got:
            assert delivery.signed_with(SECRET)
            assert delivery.document["delivery_id"] == delivery.headers["x-zdrav-delivery"]
        documents = [d.document for d in receiver.got]
        assert [d["data"]["status"] for d in documents] == ["submitted", "approved", "draft"]
        assert {d["data"]["value_id"] for d in documents} == {value_id}
        assert documents[0]["data"]["value"] == "120"
        assert documents[0]["data"]["org_unit_code"] == "MUR-A"
        assert documents[2]["data"]["reason"] == "ошибка ввода"

    async def test_a_failed_delivery_is_sent_again_and_holds_back_the_next(
        self, client: httpx.AsyncClient, org_tree: None, receiver: Receiver, worker: DeliveryWorker
    ) -> None:
        hook = await subscribe(client, receiver.url, MUR_ADMIN)
        receiver.statuses = [500, 503]
        await steps(client)
        await drain(worker)
        # Two failures of the first event; the next events of the same value wait behind it.
        assert [d.headers["x-zdrav-event"] for d in receiver.got] == ["value.submitted"]
        assert isinstance(worker.clock, Clock)
        for _ in range(2):
            worker.clock.now += timedelta(hours=1)
            await drain(worker)
        names = [d.headers["x-zdrav-event"] for d in receiver.got]
        assert names == ["value.submitted", "value.submitted", *EVENTS]
        # At least once: the retry carries the same delivery id.
        assert receiver.got[0].headers["x-zdrav-delivery"] == receiver.got[2].headers["x-zdrav-delivery"]
        log = await client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=MUR_ADMIN)
        assert {d["status"] for d in log.json()} == {"delivered"}
        assert max(d["attempts"] for d in log.json()) == 3

    async def test_another_regions_webhook_hears_nothing(
        self, client: httpx.AsyncClient, org_tree: None, receiver: Receiver, worker: DeliveryWorker
    ) -> None:
        await subscribe(client, receiver.url, KYA_ADMIN)
        await steps(client)
        await drain(worker)
        assert receiver.got == []

    async def test_a_rejected_item_emits_nothing(
        self, client: httpx.AsyncClient, org_tree: None, receiver: Receiver, worker: DeliveryWorker
    ) -> None:
        await subscribe(client, receiver.url, MUR_ADMIN)
        await create_indicator(client, "VISITS")
        rows = [item("VISITS", "MUR-A", "2025Q2", 1), item("VISITS", "KYA-A", "2025Q2", 2)]
        results = await post_values(client, rows, MUR_OPERATOR, submit=True)
        assert [r["status"] for r in results] == ["created", "rejected"]
        await drain(worker)
        assert [d.document["data"]["org_unit_code"] for d in receiver.got] == ["MUR-A"]


class TestMissedDeadlines:
    async def test_an_open_obligation_past_due_is_announced_once(
        self, client: httpx.AsyncClient, org_tree: None, receiver: Receiver, app: FastAPI
    ) -> None:
        hook = {"url": receiver.url, "events": ["report.deadline_missed"], "secret": SECRET}
        assert (await client.post("/v1/webhooks", json=hook, headers=MUR_ADMIN)).status_code == 201
        for region, event_date in (("RU-MUR", "2025-11-03"), ("RU-KYA", "2025-11-03")):
            body = {"report_type": "regional_centre_change", "org_unit_code": region, "event_date": event_date}
            opened = await client.post("/v1/report-submissions", json=body, headers=FEDERAL)
            assert opened.status_code == 201, opened.text
        due_at = datetime.fromisoformat(opened.json()["due_at"])
        clock = Clock()
        async with httpx.AsyncClient() as http:
            worker = DeliveryWorker(
                app.state.db.engine, WEBHOOKS, app.state.webhook_settings, http, clock=clock,
                sweep=sweep_missed_deadlines,
            )  # fmt: skip
            clock.now = due_at - timedelta(minutes=1)
            await drain(worker)
            assert receiver.got == []  # not yet due
            clock.now = due_at + timedelta(days=1)
            worker._swept_at = None
            await drain(worker)
            worker._swept_at = None
            await drain(worker)  # a second sweep finds it announced already
        [delivery] = receiver.got  # RU-KYA's obligation is not RU-MUR's webhook's business
        data = delivery.document["data"]
        assert delivery.headers["x-zdrav-event"] == "report.deadline_missed" and delivery.signed_with(SECRET)
        assert (data["report_type"], data["org_unit_code"], data["event_date"]) == (
            "regional_centre_change",
            "RU-MUR",
            "2025-11-03",
        )
