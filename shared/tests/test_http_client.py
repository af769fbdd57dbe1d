"""The service-to-service client: bounded retries for idempotent calls only, a hard time budget,
the request id and service token on every call, and latency by target."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

from zdrav_shared.auth import Role, TokenVerifier
from zdrav_shared.http_client import ClientMetrics, PeerError, PeerUnavailable, ServiceClient, ServiceTokenProvider
from zdrav_shared.logging import request_id_var
from zdrav_shared.testing import TEST_JWT_SECRET

BASE = "http://survey.test"


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def client(http: httpx.AsyncClient, registry: CollectorRegistry) -> ServiceClient:
    return ServiceClient(
        http,
        "survey-api",
        BASE + "/",
        token=lambda: "service-token",
        metrics=ClientMetrics(registry),
        timeout_s=2.0,
        retries=2,
        backoff_s=0.01,
    )


class TestRetries:
    async def test_get_is_retried_on_503_then_succeeds(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/x")
        route.side_effect = [httpx.Response(503), httpx.Response(502), httpx.Response(200, json={"ok": True})]
        response = await client.request("GET", "/v1/x")
        assert response.status_code == 200
        assert route.call_count == 3

    async def test_connection_errors_and_timeouts_are_retried(
        self, client: ServiceClient, mock: respx.MockRouter
    ) -> None:
        route = mock.get("/v1/x")
        route.side_effect = [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(200)]
        assert (await client.request("GET", "/v1/x")).status_code == 200
        assert route.call_count == 3

    async def test_post_is_not_retried_by_default(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.post("/v1/x")
        route.side_effect = [httpx.Response(503), httpx.Response(200)]
        with pytest.raises(PeerUnavailable):
            await client.request("POST", "/v1/x", json={"a": 1})
        assert route.call_count == 1

    async def test_post_after_a_connection_error_is_not_retried(
        self, client: ServiceClient, mock: respx.MockRouter
    ) -> None:
        route = mock.post("/v1/x")
        route.side_effect = [httpx.ConnectError("refused"), httpx.Response(200)]
        with pytest.raises(PeerUnavailable):
            await client.request("POST", "/v1/x")
        assert route.call_count == 1

    async def test_post_is_retried_when_idempotent(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.post("/v1/x")
        route.side_effect = [httpx.Response(503), httpx.Response(201)]
        response = await client.request("POST", "/v1/x", json={"id": "k-1"}, idempotent=True)
        assert response.status_code == 201
        assert route.call_count == 2

    async def test_get_can_opt_out(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/x").respond(503)
        with pytest.raises(PeerUnavailable):
            await client.request("GET", "/v1/x", idempotent=False)
        assert route.call_count == 1

    async def test_gives_up_after_the_bounded_attempts(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/x").respond(503)
        with pytest.raises(PeerUnavailable) as info:
            await client.request("GET", "/v1/x")
        assert route.call_count == 1 + 2
        assert info.value.status == 503
        assert info.value.extra["target"] == "survey-api"
        assert "status 503" in str(info.value.detail)

    async def test_client_errors_are_answers_not_retries(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/x").respond(400, json={"title": "bad"})
        assert (await client.request("GET", "/v1/x")).status_code == 400
        assert route.call_count == 1


async def slow(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(10)
    return httpx.Response(200)


class TestTimeBudget:
    async def test_call_budget_bounds_the_whole_call(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        mock.get("/v1/slow").mock(side_effect=slow)
        started = time.monotonic()
        with pytest.raises(PeerUnavailable):
            await client.request("GET", "/v1/slow", timeout_s=0.5)
        assert time.monotonic() - started < 0.5 + 1.0

    async def test_default_budget_is_bounded_too(
        self, http: httpx.AsyncClient, mock: respx.MockRouter, registry: CollectorRegistry
    ) -> None:
        mock.get("/v1/slow").mock(side_effect=slow)
        client = ServiceClient(http, "survey-api", BASE, timeout_s=0.2, retries=2, backoff_s=0.01)
        started = time.monotonic()
        with pytest.raises(PeerUnavailable):
            await client.request("GET", "/v1/slow")
        assert time.monotonic() - started < 0.2 * 3 + 1.0

    async def test_retries_stop_at_the_budget(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        async def half_slow(request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(0.3)
            return httpx.Response(503)

        client.retries = 50
        route = mock.get("/v1/slow").mock(side_effect=half_slow)
        started = time.monotonic()
        with pytest.raises(PeerUnavailable):
            await client.request("GET", "/v1/slow", timeout_s=0.8)
        assert time.monotonic() - started < 0.8 + 1.0
        assert route.call_count <= 4


class TestHeadersAndMetrics:
    async def test_forwards_request_id_and_bearer(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/x").respond(200)
        token = request_id_var.set("rid-outgoing-1")
        try:
            await client.request("GET", "/v1/x", headers={"x-extra": "1"})
        finally:
            request_id_var.reset(token)
        sent = route.calls.last.request
        assert sent.headers["x-request-id"] == "rid-outgoing-1"
        assert sent.headers["authorization"] == "Bearer service-token"
        assert sent.headers["x-extra"] == "1"
        assert sent.url == httpx.URL(BASE + "/v1/x")

    async def test_no_request_id_outside_a_request(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/x").respond(200)
        await client.request("GET", "/v1/x")
        assert "x-request-id" not in route.calls.last.request.headers

    async def test_retries_carry_the_headers_too(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/x")
        route.side_effect = [httpx.Response(503), httpx.Response(200)]
        token = request_id_var.set("rid-2")
        try:
            await client.request("GET", "/v1/x")
        finally:
            request_id_var.reset(token)
        assert [c.request.headers["x-request-id"] for c in route.calls] == ["rid-2", "rid-2"]

    async def test_latency_histogram_by_target_and_outcome(
        self, client: ServiceClient, mock: respx.MockRouter, registry: CollectorRegistry
    ) -> None:
        route = mock.get("/v1/x")
        route.side_effect = [httpx.Response(503), httpx.ConnectError("x"), httpx.Response(200)]
        await client.request("GET", "/v1/x")

        def count(outcome: str) -> float | None:
            labels = {"target": "survey-api", "method": "GET", "outcome": outcome}
            return registry.get_sample_value("zdrav_http_client_duration_seconds_count", labels)

        assert (count("503"), count("error"), count("200")) == (1, 1, 1)

    async def test_timeout_is_recorded(
        self, client: ServiceClient, mock: respx.MockRouter, registry: CollectorRegistry
    ) -> None:
        mock.get("/v1/slow").mock(side_effect=slow)
        with pytest.raises(PeerUnavailable):
            await client.request("GET", "/v1/slow", timeout_s=0.2, idempotent=False)
        labels = {"target": "survey-api", "method": "GET", "outcome": "timeout"}
        assert registry.get_sample_value("zdrav_http_client_duration_seconds_count", labels) == 1


class Thing(BaseModel):
    code: str


class TestGetModel:
    async def test_model_none_or_peer_error(self, client: ServiceClient, mock: respx.MockRouter) -> None:
        mock.get("/v1/things/a").respond(200, json={"code": "a"})
        mock.get("/v1/things/b").respond(404)
        mock.get("/v1/things/c").respond(403, text="nope")
        assert await client.get_model("/v1/things/a", Thing) == Thing(code="a")
        assert await client.get_model("/v1/things/b", Thing) is None
        with pytest.raises(PeerError) as info:
            await client.get_model("/v1/things/c", Thing)
        assert info.value.status == 403


class TestServiceToken:
    async def test_minted_token_is_accepted_as_a_service(self) -> None:
        provider = ServiceTokenProvider(secret=TEST_JWT_SECRET, name="survey-api")
        token = provider()
        assert token is not None
        principal = await TokenVerifier(secret=TEST_JWT_SECRET).verify(token)
        assert principal.roles == frozenset({Role.SERVICE})
        assert principal.sub == "service:survey-api"
        assert principal.is_federal
        assert provider() == token  # reused until close to expiry

    def test_static_token_wins_and_none_without_secret(self) -> None:
        assert ServiceTokenProvider(static_token="abc", secret=TEST_JWT_SECRET)() == "abc"
        assert ServiceTokenProvider()() is None

    async def test_client_sends_the_minted_token(self, http: httpx.AsyncClient, mock: respx.MockRouter) -> None:
        route = mock.get("/v1/x").respond(200)
        client = ServiceClient(http, "survey-api", BASE, token=ServiceTokenProvider(secret=TEST_JWT_SECRET))
        await client.request("GET", "/v1/x")
        bearer = route.calls.last.request.headers["authorization"].removeprefix("Bearer ")
        assert (await TokenVerifier(secret=TEST_JWT_SECRET).verify(bearer)).has_role(Role.SERVICE)
