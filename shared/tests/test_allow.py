"""``Allow`` on a 405 names every method of the path, across routers, preferring concrete paths over
templated ones (as OpenAPI matches them)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from zdrav_shared.allow import install_allow_header
from zdrav_shared.problems import PROBLEM_JSON, install_problem_handlers


def _app() -> FastAPI:
    reads, writes = APIRouter(prefix="/v1/things"), APIRouter(prefix="/v1/things")

    @writes.post("")
    async def create() -> None: ...

    @writes.post("/import")
    async def import_things() -> None: ...

    @reads.get("")
    async def list_things() -> None: ...

    @reads.get("/{code}")
    async def get_thing(code: str) -> None: ...

    @writes.delete("/{code}")
    async def delete_thing(code: str) -> None: ...

    app = FastAPI()
    install_problem_handlers(app)
    install_allow_header(app)
    app.include_router(writes)  # the POST route comes first: Starlette alone would say "Allow: POST"
    app.include_router(reads)
    return app


async def _options(path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        return await client.options(path)


async def test_allow_lists_the_methods_of_every_router() -> None:
    response = await _options("/v1/things")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_a_concrete_path_is_not_mixed_with_a_templated_one() -> None:
    assert (await _options("/v1/things/import")).headers["allow"] == "POST"
    assert (await _options("/v1/things/T-1")).headers["allow"] == "DELETE, GET"
