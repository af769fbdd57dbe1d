"""A method a path does not take is a 405 whose ``Allow`` lists every method the path has — for every path of
the three committed OpenAPI documents (Starlette named only the methods of the first route matching the
path: ``allow: POST`` where a GET was declared in another route). A CORS preflight from an allowed origin
is still answered by the CORS middleware (200), and one from another origin is a 405 like any OPTIONS."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from inprocess import service_clients, throwaway_databases
from support import SERVICES, is_problem

METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")
ORIGIN = "https://portal.zdrav.example"


def documented_paths() -> list[tuple[str, str, tuple[str, ...]]]:
    """(service, path template, its methods) of every path of the committed documents."""
    found = []
    for name, spec in SERVICES.items():
        for path, item in spec.openapi()["paths"].items():
            methods = tuple(sorted(m.upper() for m in item if m.upper() in METHODS))
            found.append((name, path, methods))
    return sorted(found)


PATHS = documented_paths()


def _concrete(path: str) -> str:
    # A value no literal path segment has, so that /v1/org-units/{code} does not become /v1/org-units/import.
    return re.sub(r"\{[^}]+\}", "zz-probe-1", path)


def _allow(response: httpx.Response) -> tuple[str, ...]:
    return tuple(sorted(m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()))


@pytest.fixture(scope="module")
def database_urls() -> Iterator[dict[str, str]]:
    with throwaway_databases("sec-allow") as urls:
        yield urls


@pytest.fixture(scope="module")
async def clients(database_urls: dict[str, str]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """The three services with CORS on for one origin (so that the preflight path is exercised too)."""
    async with service_clients(database_urls, cors_origins=ORIGIN) as opened:
        yield opened


def test_every_service_has_paths_with_several_methods() -> None:
    services = {service for service, _, methods in PATHS if len(methods) > 1}
    assert services == set(SERVICES)


async def test_options_is_405_with_every_method_of_the_path(clients: dict[str, httpx.AsyncClient]) -> None:
    wrong = []
    for service, path, methods in PATHS:
        response = await clients[service].options(_concrete(path))
        if response.status_code != 405 or _allow(response) != methods or not is_problem(response):
            wrong.append((service, path, response.status_code, _allow(response), methods))
    assert not wrong, wrong


def _routed_elsewhere(service: str, path: str, method: str) -> bool:
    """True when ``method`` on ``path`` reaches another, templated path (GET /v1/org-units/import is
    GET /v1/org-units/{code} with the code "import": a 404 or 401, not a 405)."""
    concrete = _concrete(path)
    for other_service, other, methods in PATHS:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(other)) + "$"
        if other_service == service and other != path and method in methods and re.match(pattern, concrete):
            return True
    return False


async def test_any_unsupported_method_is_405_with_the_same_allow(clients: dict[str, httpx.AsyncClient]) -> None:
    wrong = []
    for service, path, methods in PATHS:
        for method in sorted(set(METHODS) - set(methods)):
            if _routed_elsewhere(service, path, method):
                continue
            response = await clients[service].request(method, _concrete(path))
            if response.status_code != 405 or _allow(response) != methods:
                wrong.append((service, method, path, response.status_code, _allow(response), methods))
    assert not wrong, wrong


async def test_a_preflight_from_an_allowed_origin_is_still_answered(clients: dict[str, httpx.AsyncClient]) -> None:
    wrong = []
    for service, path, methods in PATHS:
        headers = {"Origin": ORIGIN, "Access-Control-Request-Method": methods[0]}
        response = await clients[service].options(_concrete(path), headers=headers)
        if response.status_code != 200 or response.headers.get("access-control-allow-origin") != ORIGIN:
            wrong.append((service, path, response.status_code))
    assert not wrong, wrong


async def test_a_preflight_from_another_origin_is_a_405_with_allow(clients: dict[str, httpx.AsyncClient]) -> None:
    service, path, methods = next(p for p in PATHS if len(p[2]) > 1)
    headers = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": methods[0]}
    response = await clients[service].options(_concrete(path), headers=headers)
    assert response.status_code == 405 and _allow(response) == methods
    assert "access-control-allow-origin" not in response.headers
