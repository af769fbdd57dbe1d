"""Who may change survey-api's definitions (CONTRACT.md, "Who may change what"), as a cross-region matrix.

Every write to a questionnaire — create, edit a draft, publish, start a new version — against
questionnaires owned by a region (RU-KYA) and by the federation (RU), by five callers: federal (RU),
the regional_admin of RU-KYA, the regional_admin of another region (RU-MUR), and an mo_operator and an
analyst of RU-KYA itself (they run and read surveys; they own no definition). Each cell uses a fresh
questionnaire, so cells never depend on each other. Beside the status, every cell checks that a
refusal is a problem naming the owner and leaves the history as it was, and that a success adds
exactly one history row with the caller as its actor and the reason it gave.

Campaigns are data of a region, not definitions: the last matrix checks their existing scoping
(another region's campaign is a 404, as if it did not exist).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from support import SERVICES, bearer, kpi_mock

from zdrav_shared.testing import ThrowawayDatabase, token

SPEC = SERVICES["survey-api"]
OWNER_REGION, OTHER_REGION = "RU-KYA", "RU-MUR"
SUBS = {
    "federal": ("federal", "RU", "def-federal"),
    "owner_admin": ("regional_admin", OWNER_REGION, "def-kya-admin"),
    "other_admin": ("regional_admin", OTHER_REGION, "def-mur-admin"),
    "mo_operator": ("mo_operator", OWNER_REGION, "def-kya-operator"),
    "analyst": ("analyst", OWNER_REGION, "def-kya-analyst"),
}
CALLERS = {name: bearer(token([role], [scope], sub=sub, ttl_s=6 * 3600)) for name, (role, scope, sub) in SUBS.items()}
CREATOR = {"RU": "federal", OWNER_REGION: "owner_admin"}
"""Who makes the fresh questionnaire of each owner that a cell then tries to change."""
QUESTIONS = [
    {"code": "q1_process", "type": "satisfaction5", "text_ru": "Удовлетворены?", "required": True},
    {"code": "lately", "type": "screening", "text_ru": "Были в последние 6 месяцев?"},
]
REASON = "матрица владельцев"

# "federal owner_admin other_admin mo_operator analyst", per (operation, owner of the questionnaire).
EXPECTED: dict[tuple[str, str], str] = {
    # Creating one for a named owner: only a caller who owns it (federal owns RU only).
    ("create", "RU"): "201 403 403 403 403",
    ("create", OWNER_REGION): "403 201 403 403 403",
    ("edit_draft", "RU"): "200 403 403 403 403",
    ("edit_draft", OWNER_REGION): "403 200 403 403 403",
    ("publish", "RU"): "200 403 403 403 403",
    ("publish", OWNER_REGION): "403 200 403 403 403",
    ("new_version", "RU"): "201 403 403 403 403",
    ("new_version", OWNER_REGION): "403 201 403 403 403",
    # Reading a questionnaire's history is open to every signed-in caller.
    ("history", "RU"): "200 200 200 200 200",
    ("history", OWNER_REGION): "200 200 200 200 200",
}
WRITES = {"create", "edit_draft", "publish", "new_version"}


@dataclass
class World:
    client: httpx.AsyncClient
    counter: Iterator[int] = field(default_factory=itertools.count)

    def code(self) -> str:
        return f"def-q-{next(self.counter)}"

    async def call(self, method: str, path: str, caller: str, body: Any = None) -> httpx.Response:
        return await self.client.request(method, path, json=body, headers=CALLERS[caller])

    async def fresh(self, owner: str, *, published: bool = False) -> str:
        code = self.code()
        body = {"code": code, "title_ru": "Анкета", "questions": QUESTIONS, "owner": owner}
        created = await self.call("POST", "/v1/questionnaires", CREATOR[owner], body)
        assert created.status_code == 201, created.text
        if published:
            done = await self.call("POST", f"/v1/questionnaires/{code}/versions/1/publish", CREATOR[owner])
            assert done.status_code == 200, done.text
        return code

    async def history(self, code: str) -> list[dict[str, Any]]:
        response = await self.call("GET", f"/v1/questionnaires/{code}/history", "analyst")
        return response.json() if response.status_code == 200 else []  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Operation:
    """How a cell gets its questionnaire (``prepare``), then calls the operation on it (``act``)."""

    prepare: Callable[[World, str], Awaitable[str]]
    act: Callable[[World, str, str, str], Awaitable[httpx.Response]]


async def _new_code(w: World, owner: str) -> str:
    return w.code()


async def _draft(w: World, owner: str) -> str:
    return await w.fresh(owner)


async def _published(w: World, owner: str) -> str:
    return await w.fresh(owner, published=True)


async def _create(w: World, code: str, owner: str, caller: str) -> httpx.Response:
    body = {"code": code, "title_ru": "Анкета", "questions": QUESTIONS, "owner": owner, "reason": REASON}
    return await w.call("POST", "/v1/questionnaires", caller, body)


async def _edit(w: World, code: str, owner: str, caller: str) -> httpx.Response:
    body = {"title_ru": "Анкета (уточнено)", "reason": REASON}
    return await w.call("PATCH", f"/v1/questionnaires/{code}/versions/1", caller, body)


async def _publish(w: World, code: str, owner: str, caller: str) -> httpx.Response:
    return await w.call("POST", f"/v1/questionnaires/{code}/versions/1/publish", caller, {"reason": REASON})


async def _new_version(w: World, code: str, owner: str, caller: str) -> httpx.Response:
    return await w.call("POST", f"/v1/questionnaires/{code}/versions", caller, {"reason": REASON})


async def _history(w: World, code: str, owner: str, caller: str) -> httpx.Response:
    return await w.call("GET", f"/v1/questionnaires/{code}/history", caller)


OPERATIONS: dict[str, Operation] = {
    "create": Operation(_new_code, _create),
    "edit_draft": Operation(_draft, _edit),
    "publish": Operation(_draft, _publish),
    "new_version": Operation(_published, _new_version),
    "history": Operation(_published, _history),
}


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    database = ThrowawayDatabase("sec-owners-survey", SPEC.migrations_dir)
    try:
        yield database.create()
    finally:
        database.drop()


@pytest.fixture(scope="module")
async def world(database_url: str) -> AsyncIterator[World]:
    with kpi_mock():
        app = SPEC.create_app(SPEC.settings(database_url))
        transport = httpx.ASGITransport(app=app)
        async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url="http://survey") as client:
            yield World(client)


def _check_refusal(caller: str, owner: str, response: httpx.Response) -> list[str]:
    problems = []
    if not response.headers["content-type"].startswith("application/problem+json"):
        problems.append(f"{caller}: {response.status_code} is not a problem")
    problem = response.json()
    named = (problem.get("reason"), problem.get("owner")) == ("not_owner", owner)
    if caller in ("federal", "owner_admin", "other_admin") and not named:
        problems.append(f"{caller}: a refusal that does not name the owner: {problem}")
    return problems


@pytest.mark.parametrize(("operation", "owner"), list(EXPECTED), ids=str)
async def test_questionnaire_writes_by_owner_and_caller(world: World, operation: str, owner: str) -> None:
    expected = dict(zip(CALLERS, (int(x) for x in EXPECTED[(operation, owner)].split()), strict=True))
    observed: dict[str, int] = {}
    problems: list[str] = []
    for caller in CALLERS:
        code = await OPERATIONS[operation].prepare(world, owner)
        before = await world.history(code)
        response = await OPERATIONS[operation].act(world, code, owner, caller)
        observed[caller] = response.status_code
        if operation not in WRITES:
            continue
        after = await world.history(code)
        if response.status_code >= 300:
            problems += _check_refusal(caller, owner, response)
            if after != before:
                problems.append(f"{caller}: a refused write changed the history: {after}")
            continue
        # Exactly one more row: this write, by this caller, with its reason.
        new = after[len(before) :]
        if after[: len(before)] != before or len(new) != 1:
            problems.append(f"{caller}: the history went from {len(before)} to {len(after)} rows")
        elif (new[0]["actor"], new[0]["reason"]) != (SUBS[caller][2], REASON):
            problems.append(f"{caller}: the new history row is {new[0]}")
        if response.json()["owner"] != owner:
            problems.append(f"{caller}: the questionnaire's owner became {response.json()['owner']}")
    assert observed == expected, f"{operation} of a questionnaire owned by {owner}: {observed}"
    assert not problems, "\n".join(problems)


async def test_a_refused_edit_changes_nothing(world: World) -> None:
    code = await world.fresh(OWNER_REGION)
    before = (await world.call("GET", f"/v1/questionnaires/{code}/versions/1", "analyst")).json()
    for caller in ("federal", "other_admin", "mo_operator", "analyst"):
        body = {"title_ru": "Чужая правка", "questions": QUESTIONS[:1]}
        assert (await world.call("PATCH", f"/v1/questionnaires/{code}/versions/1", caller, body)).status_code == 403
        assert (await world.call("POST", f"/v1/questionnaires/{code}/versions/1/publish", caller)).status_code == 403
    after = (await world.call("GET", f"/v1/questionnaires/{code}/versions/1", "analyst")).json()
    assert after == before
    assert [row["action"] for row in await world.history(code)] == ["created"]


async def test_default_owner_is_the_callers_own(world: World) -> None:
    for caller, owner in (("federal", "RU"), ("owner_admin", OWNER_REGION), ("other_admin", OTHER_REGION)):
        body = {"code": world.code(), "title_ru": "Анкета", "questions": QUESTIONS}
        created = await world.call("POST", "/v1/questionnaires", caller, body)
        assert (created.status_code, created.json()["owner"]) == (201, owner)
    for caller in ("mo_operator", "analyst"):
        body = {"code": world.code(), "title_ru": "Анкета", "questions": QUESTIONS}
        assert (await world.call("POST", "/v1/questionnaires", caller, body)).status_code == 403


async def test_the_national_questionnaire_is_federal(world: World) -> None:
    for caller in ("owner_admin", "other_admin"):
        refused = await world.call("POST", "/v1/questionnaires/nsi-standard/versions", caller)
        assert refused.status_code == 403 and refused.json()["owner"] == "RU"
    assert (await world.call("GET", "/v1/questionnaires/nsi-standard", "mo_operator")).json()["owner"] == "RU"


# --- campaigns: data of a region -------------------------------------------------------------------

CAMPAIGN_EXPECTED = {
    # federal owner_admin other_admin mo_operator analyst — for a campaign at KYA-GP1 (RU-KYA).
    "create_campaign": "201 201 403 403 403",
    "update_campaign": "200 200 404 403 403",
}


def _campaign(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "questionnaire_code": "nsi-standard",
        "org_unit_codes": ["KYA-GP1"],
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
        "channels": ["kiosk", "paper"],
    }


@pytest.mark.parametrize("operation", list(CAMPAIGN_EXPECTED))
async def test_campaign_writes_stay_in_their_region(world: World, operation: str) -> None:
    expected = dict(zip(CALLERS, (int(x) for x in CAMPAIGN_EXPECTED[operation].split()), strict=True))
    observed: dict[str, int] = {}
    for caller in CALLERS:
        code = world.code()
        if operation == "create_campaign":
            response = await world.call("POST", "/v1/campaigns", caller, _campaign(code))
        else:
            assert (await world.call("POST", "/v1/campaigns", "federal", _campaign(code))).status_code == 201
            response = await world.call("PATCH", f"/v1/campaigns/{code}", caller, {"purpose": "self_assessment"})
        observed[caller] = response.status_code
    assert observed == expected, f"{operation}: {observed}"
