"""Who may change kpi-api's definitions: every definition write × caller × owner of the definition.

Definitions (indicators, deadline rules) carry an owner: ``RU`` (the federal centre) or a region.
Only the owner's admins write them (CONTRACT.md, "Who may change what"): ``federal`` the federation's,
a ``regional_admin`` its own region's — not the federation's, not another region's; operators and
analysts none. A refused write is a 403 problem that names the owner (``reason: not_owner``) for an
admin (operators and analysts are refused by role before the owner is looked at), and leaves the
definition and its audited history unchanged.

Columns: federal (scope RU) | regional_admin of RU-MUR | regional_admin of RU-KYA | mo_operator of
RU-MUR | analyst of RU-MUR. Rows: each write, against a definition owned by RU and one owned by RU-MUR
(a fresh one per cell, made by its owner).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from support import SERVICES, ZONES

from zdrav_shared.testing import ThrowawayDatabase, token

SPEC = SERVICES["kpi-api"]


def bearer(roles: list[str], scope: list[str], sub: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(roles, scope, sub)}"}


CALLERS: dict[str, dict[str, str]] = {
    "federal": bearer(["federal"], ["RU"], "own-federal"),
    "admin_mur": bearer(["regional_admin"], ["RU-MUR"], "own-admin-mur"),
    "admin_kya": bearer(["regional_admin"], ["RU-KYA"], "own-admin-kya"),
    "mo_operator": bearer(["mo_operator"], ["RU-MUR"], "own-operator"),
    "analyst": bearer(["analyst"], ["RU-MUR"], "own-analyst"),
}
OWNERS = {"RU": "federal", "RU-MUR": "admin_mur"}  # who makes a fresh definition of each owner

# "federal | admin of RU-MUR | admin of RU-KYA | mo_operator | analyst", per owner of the definition.
EXPECTED: dict[tuple[str, str], str] = {
    ("create_indicator", "RU"): "201 | 403 | 403 | 403 | 403",
    ("create_indicator", "RU-MUR"): "403 | 201 | 403 | 403 | 403",
    ("import_indicators", "RU"): "200 | 422 | 422 | 403 | 403",  # a refused row makes the file a 422
    ("import_indicators", "RU-MUR"): "422 | 200 | 422 | 403 | 403",
    ("update_indicator", "RU"): "200 | 403 | 403 | 403 | 403",
    ("update_indicator", "RU-MUR"): "403 | 200 | 403 | 403 | 403",
    ("change_formula", "RU"): "200 | 403 | 403 | 403 | 403",
    ("change_formula", "RU-MUR"): "403 | 200 | 403 | 403 | 403",
    ("change_reporting_level", "RU"): "200 | 403 | 403 | 403 | 403",
    ("change_reporting_level", "RU-MUR"): "403 | 200 | 403 | 403 | 403",
    ("deactivate_indicator", "RU"): "200 | 403 | 403 | 403 | 403",
    ("deactivate_indicator", "RU-MUR"): "403 | 200 | 403 | 403 | 403",
    ("activate_indicator", "RU"): "200 | 403 | 403 | 403 | 403",
    ("activate_indicator", "RU-MUR"): "403 | 200 | 403 | 403 | 403",
    ("set_deadline_rule", "RU"): "200 | 403 | 403 | 403 | 403",
    ("set_deadline_rule", "RU-MUR"): "403 | 200 | 403 | 403 | 403",
    ("remove_deadline_rule", "RU"): "200 | 403 | 403 | 403 | 403",
    ("remove_deadline_rule", "RU-MUR"): "403 | 200 | 403 | 403 | 403",
}
# The writes whose refusals name the owner (an admin's, or federal's for a region's definition).
NAMES_OWNER = {"federal", "admin_mur", "admin_kya"}

UNITS = [
    {"code": "RU", "name_ru": "РФ", "level": "federation"},
    {"code": "RU-MUR", "name_ru": "Мурманская", "level": "region", "parent_code": "RU", "timezone": ZONES["RU-MUR"]},
    {"code": "RU-KYA", "name_ru": "Красноярский", "level": "region", "parent_code": "RU", "timezone": ZONES["RU-KYA"]},
    {"code": "RU-MUR-MUR", "name_ru": "Мурманск", "level": "municipality", "parent_code": "RU-MUR"},
    {"code": "MUR-GP1", "name_ru": "Поликлиника", "level": "organisation", "parent_code": "RU-MUR-MUR"},
]


@dataclass
class Cell:
    """One request of the matrix and how to see whether it changed anything."""

    method: str
    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    history: str | None = None  # the definition's history, unchanged by a refused write


@dataclass
class World:
    client: httpx.AsyncClient
    counter: Iterator[int] = field(default_factory=itertools.count)

    def code(self, owner: str) -> str:
        return f"{'MUR' if owner != 'RU' else 'FED'}_{next(self.counter)}"

    async def request(self, method: str, path: str, caller: str, status: int = 200, **kwargs: Any) -> Any:
        response = await self.client.request(method, path, headers=CALLERS[caller], **kwargs)
        assert response.status_code == status, (method, path, caller, response.text[:500])
        return response.json()

    async def indicator(self, owner: str, **extra: Any) -> str:
        """A fresh input indicator owned by ``owner``, made by its owner, and a formula over it."""
        code = self.code(owner)
        await self.request("POST", "/v1/indicators", OWNERS[owner], 201, json={**body(code, owner), **extra})
        return code


def body(code: str, owner: str) -> dict[str, Any]:
    return {
        "code": code,
        "owner": owner,
        "name_ru": code,
        "unit": "ед.",
        "kind": "input",
        "direction": "higher_is_better",
        "periodicity": "quarter",
    }


async def _create(w: World, owner: str) -> Cell:
    return Cell("POST", "/v1/indicators", {"json": body(w.code(owner), owner)})


async def _import(w: World, owner: str) -> Cell:
    header = "code;owner;name_ru;unit;kind;direction;periodicity"
    text = f"{header}\n{w.code(owner)};{owner};x;u;input;higher_is_better;quarter\n"
    return Cell("POST", "/v1/indicators/import", {"files": {"file": ("rows.csv", text.encode(), "text/csv")}})


async def _update(w: World, owner: str) -> Cell:
    code = await w.indicator(owner)
    return Cell("PATCH", f"/v1/indicators/{code}", {"json": {"name_en": "Changed"}}, f"/v1/indicators/{code}/history")


async def _formula(w: World, owner: str) -> Cell:
    base = await w.indicator(owner)
    code = w.code(owner)
    formula = {**body(code, owner), "kind": "formula", "formula": f"{base} * 2"}
    await w.request("POST", "/v1/indicators", OWNERS[owner], 201, json=formula)
    change = {"formula": f"{base} * 3", "effective_from": "2030-01-01", "reason": "методика"}
    return Cell("PATCH", f"/v1/indicators/{code}", {"json": change}, f"/v1/indicators/{code}/history")


async def _level(w: World, owner: str) -> Cell:
    code = await w.indicator(owner)
    return Cell(
        "PATCH",
        f"/v1/indicators/{code}",
        {"json": {"reporting_level": "organisation"}},
        f"/v1/indicators/{code}/history",
    )


async def _deactivate(w: World, owner: str) -> Cell:
    code = await w.indicator(owner)
    return Cell("PATCH", f"/v1/indicators/{code}", {"json": {"active": False}}, f"/v1/indicators/{code}/history")


async def _activate(w: World, owner: str) -> Cell:
    code = await w.indicator(owner)
    await w.request("PATCH", f"/v1/indicators/{code}", OWNERS[owner], json={"active": False})
    return Cell("PATCH", f"/v1/indicators/{code}", {"json": {"active": True}}, f"/v1/indicators/{code}/history")


async def _set_rule(w: World, owner: str) -> Cell:
    day = 1 + next(w.counter) % 28
    rule = {"day_of_month": day, "months_after": 1, "owner": owner}
    return Cell("PUT", "/v1/deadline-rules/month", {"json": rule}, f"/v1/deadline-rules/month/history?owner={owner}")


async def _remove_rule(w: World, owner: str) -> Cell:
    rule = {"day_of_month": 1 + next(w.counter) % 28, "months_after": 1, "owner": owner}
    await w.request("PUT", "/v1/deadline-rules/quarter", OWNERS[owner], json=rule)
    return Cell(
        "DELETE", "/v1/deadline-rules/quarter", {"params": {"owner": owner}},
        f"/v1/deadline-rules/quarter/history?owner={owner}",
    )  # fmt: skip


BUILDERS: dict[str, Callable[[World, str], Awaitable[Cell]]] = {
    "create_indicator": _create,
    "import_indicators": _import,
    "update_indicator": _update,
    "change_formula": _formula,
    "change_reporting_level": _level,
    "deactivate_indicator": _deactivate,
    "activate_indicator": _activate,
    "set_deadline_rule": _set_rule,
    "remove_deadline_rule": _remove_rule,
}


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    database = ThrowawayDatabase("sec-owners-kpi", SPEC.migrations_dir)
    try:
        yield database.create()
    finally:
        database.drop()


@pytest.fixture(scope="module")
async def world(database_url: str) -> AsyncIterator[World]:
    app = SPEC.create_app(SPEC.settings(database_url))
    transport = httpx.ASGITransport(app=app)
    async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url="http://kpi-api") as client:
        found = World(client)
        for unit in UNITS:
            await found.request("POST", "/v1/org-units", "federal", 201, json=unit)
        yield found


CASES = sorted(EXPECTED)


def test_every_definition_write_is_in_the_matrix() -> None:
    operations = {operation for operation, _ in EXPECTED}
    assert operations == set(BUILDERS)
    assert all((operation, owner) in EXPECTED for operation in operations for owner in OWNERS)


@pytest.mark.parametrize(("operation", "owner"), CASES, ids=[f"{o}:{w}" for o, w in CASES])
async def test_only_the_owner_writes(world: World, operation: str, owner: str) -> None:
    expected = dict(zip(CALLERS, (int(x) for x in EXPECTED[(operation, owner)].split("|")), strict=True))
    observed: dict[str, int] = {}
    for caller in CALLERS:
        cell = await BUILDERS[operation](world, owner)
        before = await world.request("GET", cell.history, "analyst") if cell.history else None
        response = await world.client.request(cell.method, cell.path, headers=CALLERS[caller], **cell.kwargs)
        observed[caller] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
            problem = response.json()
            if response.status_code == 403 and caller in NAMES_OWNER:
                assert (problem["reason"], problem["owner"]) == ("not_owner", owner), problem
                assert owner in problem["detail"], problem
            if response.status_code == 422 and operation == "import_indicators":
                assert [e["status"] for e in problem["report"]["errors"]] == [403], problem
            if cell.history:
                assert await world.request("GET", cell.history, "analyst") == before, (caller, "history changed")
        elif cell.history:
            after = await world.request("GET", cell.history, "analyst")
            assert len(after) == len(before or []) + 1 and after[-1]["actor"] == f"own-{caller.replace('_', '-')}"
    assert observed == expected, f"{operation} owned by {owner}: expected {expected}, observed {observed}"
