"""Kiosk token checks through the per-process cache: hits skip the database, revocation does not wait."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import event

from survey_api.app import create_app
from survey_api.models import Base
from survey_api.settings import SurveySettings
from zdrav_shared.testing import empty_tables

from .conftest import FEDERAL, create_campaign, item, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")

_KIOSK_SELECT = re.compile(r"^\s*SELECT\b.*\bFROM kiosks\b", re.IGNORECASE | re.DOTALL)


class KioskSelects:
    """Counts the SELECTs on the kiosks table that go through the app's engine."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if _KIOSK_SELECT.match(statement):
            self.count += 1


@contextmanager
def kiosk_selects(app: FastAPI) -> Iterator[KioskSelects]:
    counter = KioskSelects()
    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


@asynccontextmanager
async def app_with(settings: SurveySettings, **changes: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app on other settings, for the tests that need them; emptied afterwards like ``app``."""
    application = create_app(settings.model_copy(update=changes))
    async with LifespanManager(application):
        try:
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://survey.test") as client:
                yield application, client
        finally:
            await empty_tables(application.state.db.engine, Base.metadata)


@pytest.fixture
async def kiosk(client: httpx.AsyncClient) -> dict[str, Any]:
    await create_campaign(client)
    return await register_kiosk(client)


async def post_batch(client: httpx.AsyncClient, kiosk: dict[str, Any], *items: dict[str, Any]) -> httpx.Response:
    return await client.post("/v1/responses/batch", json={"responses": list(items)}, headers=kiosk_auth(kiosk))


async def post_single(client: httpx.AsyncClient, kiosk: dict[str, Any]) -> httpx.Response:
    body = {
        **item(),
        "campaign_code": kiosk["campaign_code"],
        "org_unit_code": kiosk["org_unit_code"],
        "channel": "kiosk",
    }
    return await client.post("/v1/responses", json=body, headers=kiosk_auth(kiosk))


class TestCachedAuthentication:
    async def test_a_second_batch_does_not_look_the_token_up(
        self, app: FastAPI, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        with kiosk_selects(app) as selects:
            first = await post_batch(client, kiosk, item())
            assert first.status_code == 200, first.text
            assert selects.count == 1
            second = await post_batch(client, kiosk, item(), item())
            assert second.status_code == 200, second.text
            assert [r["status"] for r in second.json()["results"]] == ["accepted", "accepted"]
            single = await post_single(client, kiosk)
            assert single.status_code == 201, single.text
            assert selects.count == 1
        listed = (await client.get(f"/v1/kiosks/{kiosk['id']}", headers=FEDERAL)).json()
        assert listed["accepted_count"] == 4

    async def test_revoking_refuses_a_cached_token_at_once(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        assert (await post_batch(client, kiosk, item())).status_code == 200
        assert (await client.post(f"/v1/kiosks/{kiosk['id']}/revoke", headers=FEDERAL)).status_code == 200
        batch = await post_batch(client, kiosk, item())
        assert batch.status_code == 401
        assert "revoked" in batch.json()["detail"]
        assert (await post_single(client, kiosk)).status_code == 401

    async def test_revoking_one_kiosk_leaves_the_others_cached(
        self, app: FastAPI, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        other = await register_kiosk(client)
        assert (await post_batch(client, kiosk, item())).status_code == 200
        assert (await post_batch(client, other, item())).status_code == 200
        assert (await client.post(f"/v1/kiosks/{kiosk['id']}/revoke", headers=FEDERAL)).status_code == 200
        with kiosk_selects(app) as selects:
            assert (await post_batch(client, other, item())).status_code == 200
            assert selects.count == 0

    async def test_refused_tokens_always_reach_the_database(
        self, app: FastAPI, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        assert (await client.post(f"/v1/kiosks/{kiosk['id']}/revoke", headers=FEDERAL)).status_code == 200
        cached_before = len(app.state.kiosk_tokens)
        with kiosk_selects(app) as selects:
            for n in range(2):
                unknown = {"token": f"zk_not-a-kiosk-{n}"}
                assert (await post_batch(client, unknown, item())).status_code == 401
                assert (await post_batch(client, kiosk, item())).status_code == 401
            assert selects.count == 4
        assert len(app.state.kiosk_tokens) == cached_before  # guessed tokens take no memory

    async def test_a_new_kiosk_works_at_once(self, client: httpx.AsyncClient, kiosk: dict[str, Any]) -> None:
        assert (await post_batch(client, kiosk, item())).status_code == 200
        newcomer = await register_kiosk(client, org_unit="MUR-MON-CGB")
        assert (await post_batch(client, newcomer, item())).status_code == 200


class TestSettings:
    async def test_ttl_zero_looks_every_token_up(self, settings: SurveySettings) -> None:
        async with app_with(settings, kiosk_cache_ttl_s=0) as (app, client):
            await create_campaign(client)
            kiosk = await register_kiosk(client)
            with kiosk_selects(app) as selects:
                for _ in range(3):
                    assert (await post_batch(client, kiosk, item())).status_code == 200
                assert selects.count == 3

    async def test_the_rate_limit_applies_to_cached_tokens(self, settings: SurveySettings) -> None:
        async with app_with(settings, kiosk_burst=2, kiosk_rate_per_s=0.01) as (app, client):
            await create_campaign(client)
            kiosk = await register_kiosk(client)
            with kiosk_selects(app) as selects:
                statuses = [(await post_batch(client, kiosk, item())).status_code for _ in range(3)]
                assert statuses == [200, 200, 429]
                assert selects.count == 1
