"""Who may change roadmap-api's plans: every write of roadmaps, tasks, revisions and approval × caller.

A roadmap belongs to its region: ``federal`` and the region's ``regional_admin`` change it; another
region's admin does not see it (404, as if the id did not exist — a body naming another region is
403, region codes being public); the region's analyst reads but never writes (403), and an operator
is refused a roadmap-level write at the door, whatever the id (403, docs/roles.md). A task carried
out by an organisation (``org_unit_code``) is also the hand of that organisation's ``mo_operator``:
its status, dates, progress and actual result, comments and period reports — nothing else (403) —
and an operator of any other organisation does not see it (404). A refused write leaves the
roadmap's journal as it was.

Columns: federal (scope RU) | regional_admin of RU-MUR | regional_admin of RU-KYA | mo_operator of
MUR-GP1 (the task's org unit) | mo_operator of MUR-GP2 (another polyclinic of the region) | analyst of
RU-MUR. Each cell acts on a fresh RU-MUR roadmap (and task) made by federal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from support import SERVICES, kpi_mock

from zdrav_shared.testing import ThrowawayDatabase, token

SPEC = SERVICES["roadmap-api"]


def bearer(roles: list[str], scope: list[str], sub: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(roles, scope, sub)}"}


CALLERS: dict[str, dict[str, str]] = {
    "federal": bearer(["federal"], ["RU"], "rm-federal"),
    "admin_mur": bearer(["regional_admin"], ["RU-MUR"], "rm-admin-mur"),
    "admin_kya": bearer(["regional_admin"], ["RU-KYA"], "rm-admin-kya"),
    "operator_gp1": bearer(["mo_operator"], ["MUR-GP1"], "rm-operator-gp1"),
    "operator_gp2": bearer(["mo_operator"], ["MUR-GP2"], "rm-operator-gp2"),
    "analyst_mur": bearer(["analyst"], ["RU-MUR"], "rm-analyst-mur"),
}

# "federal | admin RU-MUR | admin RU-KYA | operator MUR-GP1 | operator MUR-GP2 | analyst RU-MUR"
EXPECTED: dict[str, str] = {
    "create_roadmap": "201 | 201 | 403 | 403 | 403 | 403",
    "update_roadmap": "200 | 200 | 404 | 403 | 403 | 403",
    "replace_roadmap_kpis": "200 | 200 | 404 | 403 | 403 | 403",
    "create_measure": "201 | 201 | 404 | 403 | 403 | 403",
    "approve_roadmap": "200 | 200 | 404 | 403 | 403 | 403",
    "start_roadmap": "200 | 200 | 404 | 403 | 403 | 403",
    "open_revision": "201 | 201 | 404 | 403 | 403 | 403",
    "approve_revision": "200 | 200 | 404 | 403 | 403 | 403",
    "create_task": "201 | 201 | 404 | 403 | 403 | 403",
    # the polyclinic's own hand on the task it carries out
    "task_status": "200 | 200 | 404 | 200 | 404 | 403",
    "task_dates": "200 | 200 | 404 | 200 | 404 | 403",
    "task_metrics": "200 | 200 | 404 | 200 | 404 | 403",
    "task_comment": "201 | 201 | 404 | 201 | 404 | 403",
    "task_report": "201 | 201 | 404 | 201 | 404 | 403",
    # …and nothing else of it
    "task_title": "200 | 200 | 404 | 403 | 404 | 403",
    "task_responsible": "200 | 200 | 404 | 403 | 404 | 403",
    "task_tree": "200 | 200 | 404 | 403 | 404 | 403",
    "task_org_unit": "200 | 200 | 404 | 403 | 404 | 403",
    # a task the region's ministry carries out itself is no polyclinic's
    "ministry_task_status": "200 | 200 | 404 | 404 | 404 | 403",
}


@dataclass
class Cell:
    method: str
    path: str
    body: Any
    roadmap_id: int


@dataclass
class World:
    client: httpx.AsyncClient
    made: list[int] = field(default_factory=list)

    async def federal(self, method: str, path: str, body: Any, status: int = 201) -> Any:
        response = await self.client.request(method, path, json=body, headers=CALLERS["federal"])
        assert response.status_code == status, (method, path, response.text[:500])
        return response.json()

    async def roadmap(self, *, approved: bool = False, revision: bool = False) -> int:
        body = {"region_code": "RU-MUR", "life_situation": "ССЗ", "title": "ДК"}
        rid = int((await self.federal("POST", "/v1/roadmaps", body))["id"])
        if approved or revision:
            await self.federal("POST", f"/v1/roadmaps/{rid}/status", {"status": "approved"}, 200)
        if revision:
            await self.federal("POST", f"/v1/roadmaps/{rid}/revisions", {"reason": "сроки сорваны"})
        return rid

    async def task(self, rid: int, org_unit: str | None = "MUR-GP1", **extra: Any) -> int:
        body = {"title": "Обучить операторов", "start_date": "2025-01-10", "due_date": "2025-03-31"}
        body |= {"responsible": "МИАЦ", "org_unit_code": org_unit, **extra}
        return int((await self.federal("POST", f"/v1/roadmaps/{rid}/tasks", body))["id"])

    async def journal(self, rid: int) -> list[Any]:
        response = await self.client.get(f"/v1/roadmaps/{rid}/journal?limit=500", headers=CALLERS["federal"])
        return list(response.json()["items"])


async def _on_task(w: World, body: dict[str, Any], org_unit: str | None = "MUR-GP1") -> Cell:
    rid = await w.roadmap()
    return Cell("PATCH", f"/v1/tasks/{await w.task(rid, org_unit)}", body, rid)


async def _status(w: World, value: str, **roadmap: bool) -> Cell:
    rid = await w.roadmap(**roadmap)
    return Cell("POST", f"/v1/roadmaps/{rid}/status", {"status": value}, rid)


async def _report(w: World) -> Cell:
    rid = await w.roadmap()
    tid = await w.task(rid, start_date="2025-01-01", due_date="2025-12-31", recurrence="ongoing")
    return Cell("PUT", f"/v1/tasks/{tid}/reports/2025Q1", {"completed_on": "2025-03-28"}, rid)


async def _tree(w: World) -> Cell:
    rid = await w.roadmap()
    parent = await w.task(rid, None)
    return Cell("PATCH", f"/v1/tasks/{await w.task(rid)}", {"parent_id": parent}, rid)


async def _create_roadmap(w: World) -> Cell:
    return Cell("POST", "/v1/roadmaps", {"region_code": "RU-MUR", "life_situation": "ССЗ", "title": "ДК"}, 0)


async def _roadmap_call(w: World, method: str, suffix: str, body: Any, **roadmap: bool) -> Cell:
    rid = await w.roadmap(**roadmap)
    return Cell(method, f"/v1/roadmaps/{rid}{suffix}", body, rid)


async def _comment(w: World) -> Cell:
    rid = await w.roadmap()
    return Cell("POST", f"/v1/tasks/{await w.task(rid)}/comments", {"text": "Готово"}, rid)


TASK = {"title": "Закупить", "start_date": "2025-01-10", "due_date": "2025-03-31", "responsible": "МЗ"}
BUILDERS: dict[str, Callable[[World], Awaitable[Cell]]] = {
    "create_roadmap": _create_roadmap,
    "update_roadmap": lambda w: _roadmap_call(w, "PATCH", "", {"title": "ДК ССЗ"}),
    "replace_roadmap_kpis": lambda w: _roadmap_call(
        w, "PUT", "/kpis", {"kpis": [{"indicator_code": "SAT", "target": 75, "target_period": "2025"}]}
    ),
    "create_measure": lambda w: _roadmap_call(w, "POST", "/measures", {"problem": "очереди", "solution": "запись"}),
    "approve_roadmap": lambda w: _status(w, "approved"),
    "start_roadmap": lambda w: _status(w, "in_progress", approved=True),
    "open_revision": lambda w: _roadmap_call(w, "POST", "/revisions", {"reason": "КПЭ не достигнут"}, approved=True),
    "approve_revision": lambda w: _status(w, "approved", revision=True),
    "create_task": lambda w: _roadmap_call(w, "POST", "/tasks", TASK),
    "task_status": lambda w: _on_task(w, {"status": "done", "completed_on": "2025-03-20"}),
    "task_dates": lambda w: _on_task(w, {"start_date": "2025-02-01", "due_date": "2025-04-30"}),
    "task_metrics": lambda w: _on_task(w, {"progress_pct": 60, "actual_result": "Обучено 18 из 30"}),
    "task_comment": _comment,
    "task_report": _report,
    "task_title": lambda w: _on_task(w, {"title": "Другое"}),
    "task_responsible": lambda w: _on_task(w, {"responsible_bodies": ["МИАЦ", "Поликлиника № 1"]}),
    "task_tree": _tree,
    "task_org_unit": lambda w: _on_task(w, {"org_unit_code": None}),
    "ministry_task_status": lambda w: _on_task(w, {"status": "in_progress"}, None),
}


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    database = ThrowawayDatabase("sec-owners-roadmap", SPEC.migrations_dir)
    try:
        yield database.create()
    finally:
        database.drop()


@pytest.fixture(scope="module")
async def world(database_url: str) -> AsyncIterator[World]:
    with kpi_mock():
        app = SPEC.create_app(SPEC.settings(database_url))
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://roadmap-api") as client:
                yield World(client)


def test_every_write_is_in_the_matrix() -> None:
    assert set(EXPECTED) == set(BUILDERS)


@pytest.mark.parametrize("case", sorted(EXPECTED))
async def test_who_writes_a_regions_plan(world: World, case: str) -> None:
    expected = dict(zip(CALLERS, (int(x) for x in EXPECTED[case].split("|")), strict=True))
    observed: dict[str, int] = {}
    for caller, headers in CALLERS.items():
        cell = await BUILDERS[case](world)
        before = await world.journal(cell.roadmap_id) if cell.roadmap_id else None
        response = await world.client.request(cell.method, cell.path, json=cell.body, headers=headers)
        observed[caller] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
            problem = response.json()
            if response.status_code == 404:
                assert "RU-MUR" not in response.text and "scope" not in problem.get("detail", "")
            if cell.roadmap_id:
                assert await world.journal(cell.roadmap_id) == before, (caller, "a refused write was journalled")
        elif cell.roadmap_id:
            after = await world.journal(cell.roadmap_id)
            assert len(after) > len(before or []) and after[-1]["actor"] == f"rm-{caller.replace('_', '-')}"
    assert observed == expected, f"{case}: expected {expected}, observed {observed}"
