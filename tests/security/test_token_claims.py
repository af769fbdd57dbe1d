"""Odd but correctly signed tokens against every operation that takes a user token (``UserJWT`` in the
committed OpenAPI documents) of the three services: no ``roles`` claim, an empty one, or only roles the
platform does not know → 403 naming the reason; a user token valid for longer than
``ZDRAV_MAX_TOKEN_TTL_S`` (``exp − iat``, or ``exp − now`` without ``iat``; an ``exp`` of 10^20 included)
→ 401. Service tokens have their own, larger maximum. And ``make token`` refuses a role nobody knows."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from inprocess import service_clients, throwaway_databases
from support import ROOT, SERVICES, bearer, is_problem

from zdrav_shared.testing import TEST_JWT_SECRET
from zdrav_shared.tokens import MAX_SERVICE_TOKEN_TTL_S, MAX_USER_TOKEN_TTL_S, ROLES, sign_hs256

METHODS = {"get", "put", "post", "patch", "delete"}


def protected_operations() -> list[tuple[str, str, str]]:
    """(service, METHOD, path) of every operation whose document names the user-token scheme."""
    found = []
    for name, spec in SERVICES.items():
        for path, item in spec.openapi()["paths"].items():
            for method, operation in item.items():
                schemes = {key for requirement in operation.get("security") or [] for key in requirement}
                if method in METHODS and "UserJWT" in schemes:
                    found.append((name, method.upper(), path))
    return sorted(found)


PROTECTED = protected_operations()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def claims_token(**claims: Any) -> dict[str, str]:
    """A bearer header of a token with exactly ``claims`` (plus ``sub``), signed with the test secret."""
    return bearer(sign_hs256({"sub": "sec-odd", "scope_org_units": ["RU"], **claims}, TEST_JWT_SECRET))


def _now() -> int:
    return int(time.time())


@pytest.fixture(scope="module")
def database_urls() -> Iterator[dict[str, str]]:
    with throwaway_databases("sec-claims") as urls:
        yield urls


@pytest.fixture(scope="module")
async def clients(database_urls: dict[str, str]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with service_clients(database_urls) as opened:
        yield opened


async def _each_operation(
    clients: dict[str, httpx.AsyncClient], headers: dict[str, str]
) -> list[tuple[str, str, str, httpx.Response]]:
    answers = []
    for service, method, path in PROTECTED:
        response = await clients[service].request(method, _concrete(path), headers=headers)
        answers.append((service, method, path, response))
    return answers


def test_every_service_has_protected_operations() -> None:
    assert {service for service, _, _ in PROTECTED} == set(SERVICES)


ROLELESS = [
    pytest.param({"exp": "soon"}, id="no-roles-claim"),
    pytest.param({"roles": [], "exp": "soon"}, id="empty-roles"),
    pytest.param({"roles": ["kiosk"], "exp": "soon"}, id="unknown-role-only"),
]


@pytest.mark.parametrize("claims", ROLELESS)
async def test_a_token_without_a_known_role_is_403_everywhere(
    clients: dict[str, httpx.AsyncClient], claims: dict[str, Any]
) -> None:
    now = _now()
    headers = claims_token(**{**claims, "iat": now, "exp": now + 600})
    wrong = []
    for service, method, path, response in await _each_operation(clients, headers):
        body = response.json() if is_problem(response) else {}
        if response.status_code != 403 or body.get("reason") != "no_roles" or "roles" not in body.get("detail", ""):
            wrong.append((service, method, path, response.status_code, response.text[:200]))
    assert not wrong, wrong


LONG_LIVED = [
    pytest.param(lambda now: {"iat": now, "exp": 10**20}, id="exp-1e20"),
    pytest.param(lambda now: {"iat": now, "exp": now + MAX_USER_TOKEN_TTL_S + 3600}, id="25-hours"),
    pytest.param(lambda now: {"exp": now + 2 * MAX_USER_TOKEN_TTL_S}, id="no-iat-two-days-left"),
    pytest.param(lambda now: {"iat": now - 10 * MAX_USER_TOKEN_TTL_S, "exp": now + 60}, id="issued-ten-days-ago"),
]


@pytest.mark.parametrize("lifetime", LONG_LIVED)
async def test_a_user_token_living_too_long_is_401_everywhere(
    clients: dict[str, httpx.AsyncClient], lifetime: Any
) -> None:
    headers = claims_token(roles=["federal"], **lifetime(_now()))
    wrong = []
    for service, method, path, response in await _each_operation(clients, headers):
        body = response.json() if is_problem(response) else {}
        if response.status_code != 401 or body.get("reason") != "token_lifetime":
            wrong.append((service, method, path, response.status_code, response.text[:200]))
    assert not wrong, wrong


LISTS = {"kpi-api": "/v1/indicators", "survey-api": "/v1/campaigns", "roadmap-api": "/v1/roadmaps"}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_tokens_within_their_maximum_are_accepted(clients: dict[str, httpx.AsyncClient], service: str) -> None:
    """A user token of 23 hours, one without ``iat`` that has an hour left, and a service token of two
    days (over the user maximum, within its own) all read a protected list."""
    now = _now()
    path = LISTS[service]
    for claims in (
        {"roles": ["regional_admin"], "iat": now, "exp": now + MAX_USER_TOKEN_TTL_S - 3600},
        {"roles": ["federal"], "exp": now + 3600},
        {"roles": ["service"], "iat": now, "exp": now + 2 * MAX_USER_TOKEN_TTL_S},
    ):
        response = await clients[service].get(path, headers=claims_token(**claims))
        assert response.status_code == 200, (claims, response.text[:300])


async def test_a_service_token_beyond_its_own_maximum_is_401(clients: dict[str, httpx.AsyncClient]) -> None:
    now = _now()
    headers = claims_token(roles=["service"], iat=now, exp=now + MAX_SERVICE_TOKEN_TTL_S + 3600)
    response = await clients["kpi-api"].get("/v1/indicators", headers=headers)
    assert response.status_code == 401 and response.json()["reason"] == "token_lifetime", response.text


def _make_token(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "dev_token.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"ZDRAV_JWT_SECRET": TEST_JWT_SECRET, "PATH": "/usr/bin:/bin"},
        check=False,
    )


@pytest.mark.parametrize("role", ["kiosk", "federal,admin", ""])
def test_make_token_refuses_unknown_roles(role: str) -> None:
    result = _make_token("--role", role)
    assert result.returncode != 0
    assert not result.stdout
    assert "federal, regional_admin" in result.stderr, result.stderr


def test_make_token_refuses_a_lifetime_the_services_refuse() -> None:
    result = _make_token("--role", "federal", "--ttl", str(MAX_USER_TOKEN_TTL_S + 1))
    assert result.returncode != 0 and "TTL" in result.stderr


@pytest.mark.parametrize("role", ROLES)
def test_make_token_mints_every_known_role(role: str) -> None:
    result = _make_token("--role", role)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(".") == 2
