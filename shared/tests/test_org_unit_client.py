"""The org-unit client caches answers, "no such unit" for a shorter time, and can be invalidated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.contracts.org_units import OrgUnitLevel, OrgUnitRef
from zdrav_shared.http_client import PeerUnavailable, ServiceClient

BASE = "http://kpi.test"
MUR = {
    "code": "RU-MUR",
    "name_ru": "Мурманская область",
    "level": "region",
    "parent_code": "RU",
    "path": ["RU", "RU-MUR"],
    "region_code": "RU-MUR",
    "timezone": "Europe/Moscow",
}


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def service_client() -> AsyncIterator[ServiceClient]:
    async with httpx.AsyncClient() as http:
        yield ServiceClient(http, "kpi-api", BASE, retries=1, backoff_s=0.01, timeout_s=1.0)


class TestCache:
    async def test_hits_are_cached_for_the_ttl(self, service_client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/org-units/RU-MUR").respond(200, json=MUR)
        units = OrgUnitClient(service_client, ttl_s=60, negative_ttl_s=0.05)
        first = await units.get("RU-MUR")
        assert first is not None and first.level is OrgUnitLevel.REGION
        assert await units.get("RU-MUR") == first
        assert await units.exists("RU-MUR")
        await asyncio.sleep(0.1)  # past the negative TTL, well inside the positive one
        assert await units.get("RU-MUR") == first
        assert route.call_count == 1

    async def test_hits_expire(self, service_client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/org-units/RU-MUR").respond(200, json=MUR)
        units = OrgUnitClient(service_client, ttl_s=0.05, negative_ttl_s=0.01)
        await units.get("RU-MUR")
        await asyncio.sleep(0.1)
        await units.get("RU-MUR")
        assert route.call_count == 2

    async def test_misses_are_cached_shorter(self, service_client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/org-units/RU-XXX").respond(404, json={"status": 404})
        units = OrgUnitClient(service_client, ttl_s=60, negative_ttl_s=0.05)
        assert await units.get("RU-XXX") is None
        assert not await units.exists("RU-XXX")
        assert route.call_count == 1
        await asyncio.sleep(0.1)
        assert await units.get("RU-XXX") is None
        assert route.call_count == 2

    async def test_a_unit_created_after_a_miss_is_seen_once_the_miss_expires(
        self, service_client: ServiceClient, mock: respx.MockRouter
    ) -> None:
        route = mock.get("/v1/org-units/RU-MUR")
        route.side_effect = [httpx.Response(404), httpx.Response(200, json=MUR)]
        units = OrgUnitClient(service_client, ttl_s=60, negative_ttl_s=0.05)
        assert await units.get("RU-MUR") is None
        await asyncio.sleep(0.1)
        assert await units.get("RU-MUR") == OrgUnitRef.model_validate(MUR)

    async def test_invalidate_one_and_all(self, service_client: ServiceClient, mock: respx.MockRouter) -> None:
        mur = mock.get("/v1/org-units/RU-MUR").respond(200, json=MUR)
        kya = mock.get("/v1/org-units/RU-KYA").respond(200, json={**MUR, "code": "RU-KYA"})
        units = OrgUnitClient(service_client, ttl_s=60)
        await units.get("RU-MUR")
        await units.get("RU-KYA")
        units.invalidate("RU-MUR")
        await units.get("RU-MUR")
        await units.get("RU-KYA")
        assert (mur.call_count, kya.call_count) == (2, 1)
        units.invalidate()
        await units.get("RU-MUR")
        await units.get("RU-KYA")
        assert (mur.call_count, kya.call_count) == (3, 2)
        units.invalidate("never-cached")  # harmless

    async def test_outages_are_not_cached(self, service_client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/org-units/RU-MUR")
        route.side_effect = [httpx.Response(503), httpx.Response(503), httpx.Response(200, json=MUR)]
        units = OrgUnitClient(service_client, ttl_s=60)
        with pytest.raises(PeerUnavailable):
            await units.get("RU-MUR")
        assert await units.get("RU-MUR") is not None
        assert route.call_count == 3

    async def test_code_is_escaped_in_the_path(self, service_client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get(url__regex=r".*/v1/org-units/.*").respond(404)
        units = OrgUnitClient(service_client)
        assert await units.get("A/B?c") is None
        assert route.calls.last.request.url.raw_path == b"/v1/org-units/A%2FB%3Fc"
