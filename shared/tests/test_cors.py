"""CORS: only the configured origins, the headers a browser front end needs, and nothing for the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, Depends, FastAPI, Response

from zdrav_shared.auth import Principal, current_principal
from zdrav_shared.settings import ServiceSettings
from zdrav_shared.testing import auth

PORTAL = "http://localhost:5173"
OTHER = "https://evil.example"


def guarded_router() -> APIRouter:
    router = APIRouter()

    @router.get("/guarded/{code}")
    async def read_thing(
        code: str, response: Response, caller: Principal = Depends(current_principal)
    ) -> dict[str, str]:
        response.headers["ETag"] = 'W/"4"'
        response.headers["Location"] = f"/guarded/{code}"
        return {"code": code, "sub": caller.sub}

    return router


@pytest.fixture
async def cors_client(app_builder: Callable[..., FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    app = app_builder([guarded_router()], cors_origins=f"{PORTAL}, http://127.0.0.1:5173/")
    transport = httpx.ASGITransport(app=app)
    async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url="http://cors.test") as http:
        yield http


def preflight(
    origin: str, method: str = "PATCH", headers: str = "authorization, if-match, content-type"
) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


async def test_preflight_from_an_allowed_origin(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options(
        "/guarded/A", headers=preflight(PORTAL, headers="authorization, if-match, idempotency-key, x-request-id")
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "if-match", "idempotency-key", "x-request-id", "content-type"} <= allowed
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers  # tokens, never cookies


async def test_a_configured_origin_with_a_trailing_slash_still_matches(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options("/guarded/A", headers=preflight("http://127.0.0.1:5173"))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"


async def test_preflight_from_an_unknown_origin_gets_no_cors_headers(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options("/guarded/A", headers=preflight(OTHER))
    assert cors_headers(response) == {}
    assert response.status_code == 405  # the app's own answer to OPTIONS, as without CORS
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_refused_header_is_a_problem_naming_what_is_allowed(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options("/guarded/A", headers=preflight(PORTAL, headers="x-secret"))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "If-Match" in response.json()["detail"]


async def test_answers_expose_etag_location_and_request_id(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.get("/guarded/A", headers={"Origin": PORTAL, **auth()})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "location", "x-request-id", "retry-after", "www-authenticate"} <= exposed
    assert response.headers["etag"] == 'W/"4"'


async def test_errors_carry_cors_headers_too(cors_client: httpx.AsyncClient) -> None:
    """A browser must be able to read a 401 problem (and its request id) to tell the user why."""
    response = await cors_client.get("/guarded/A", headers={"Origin": PORTAL})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == PORTAL
    assert response.headers["x-request-id"]


async def test_an_unknown_origin_gets_the_answer_without_cors_headers(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.get("/guarded/A", headers={"Origin": OTHER, **auth()})
    assert response.status_code == 200
    assert cors_headers(response) == {}


async def test_no_origins_configured_means_no_cors_at_all(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert app.state.settings.cors_origin_list == []
    response = await client.options("/boom", headers=preflight(PORTAL, method="GET", headers="authorization"))
    assert response.status_code == 405
    assert cors_headers(response) == {}


def test_origins_are_read_from_zdrav_cors_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZDRAV_CORS_ORIGINS", "http://localhost:3000,http://localhost:5173/, ")
    assert ServiceSettings().cors_origin_list == ["http://localhost:3000", "http://localhost:5173"]
    monkeypatch.delenv("ZDRAV_CORS_ORIGINS")
    assert ServiceSettings().cors_origin_list == []
