"""An id of another region is answered exactly like an id that does not exist (issue 13 item 5): for
each resource family, reads and writes, the same status and the same problem, the id aside."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, KYA_ADMIN

ABSENT = 900_001


@pytest.fixture
async def mur(client: httpx.AsyncClient) -> dict[str, int]:
    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(path, json=body, headers=FEDERAL)
        assert response.status_code == 201, response.text
        return dict(response.json())

    roadmap = await post("/v1/roadmaps", {"region_code": "RU-MUR", "life_situation": "ССЗ", "title": "ДК"})
    task = await post(
        f"/v1/roadmaps/{roadmap['id']}/tasks",
        {"title": "t", "start_date": "2025-01-01", "due_date": "2025-02-01", "responsible": "МЗ"},
    )
    session = await post("/v1/strategic-sessions", {"region_code": "RU-MUR", "theme": "ПМСП"})
    programme = await post(
        "/v1/programmes",
        {"code": "P-404", "region_code": "RU-MUR", "title_ru": "П", "start_year": 2021, "end_year": 2025},
    )
    improvement = await post(
        "/v1/improvement-projects",
        {"region_code": "RU-MUR", "title": "x", "category": "registry", "process": "p", "problem": "p", "goal": "g"},
    )
    return {
        "roadmap": roadmap["id"],
        "task": task["id"],
        "session": session["id"],
        "programme": programme["id"],
        "improvement": improvement["id"],
    }


# (family, method, path template with {id}, body)
CALLS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("roadmap", "GET", "/v1/roadmaps/{id}", None),
    ("roadmap", "PATCH", "/v1/roadmaps/{id}", {"title": "x"}),
    ("roadmap", "POST", "/v1/roadmaps/{id}/status", {"status": "approved"}),
    ("roadmap", "POST", "/v1/roadmaps/{id}/revisions", {"reason": "x"}),
    ("roadmap", "GET", "/v1/roadmaps/{id}/versions", None),
    ("roadmap", "GET", "/v1/roadmaps/{id}/execution", None),
    (
        "roadmap",
        "POST",
        "/v1/roadmaps/{id}/tasks",
        {"title": "t", "start_date": "2025-01-01", "due_date": "2025-02-01", "responsible": "r"},
    ),
    ("task", "GET", "/v1/tasks/{id}", None),
    ("task", "PATCH", "/v1/tasks/{id}", {"status": "in_progress"}),
    ("task", "POST", "/v1/tasks/{id}/comments", {"text": "x"}),
    ("task", "GET", "/v1/tasks/{id}/journal", None),
    ("task", "PUT", "/v1/tasks/{id}/reports/2025Q1", {"completed_on": "2025-01-15"}),
    ("session", "GET", "/v1/strategic-sessions/{id}", None),
    ("session", "POST", "/v1/strategic-sessions/{id}/groups", {"name": "g", "moderator": "m"}),
    ("programme", "GET", "/v1/programmes/{id}", None),
    ("programme", "PUT", "/v1/programmes/{id}/plan", {"items": []}),
    ("improvement", "GET", "/v1/improvement-projects/{id}", None),
    ("improvement", "PATCH", "/v1/improvement-projects/{id}", {"goal": "g2"}),
]


@pytest.mark.parametrize(("family", "method", "template", "body"), CALLS, ids=[f"{c[1]} {c[2]}" for c in CALLS])
async def test_foreign_is_absent(
    client: httpx.AsyncClient,
    mur: dict[str, int],
    family: str,
    method: str,
    template: str,
    body: dict[str, Any] | None,
) -> None:
    real = mur[family]
    foreign = await client.request(method, template.format(id=real), json=body, headers=KYA_ADMIN)
    absent = await client.request(method, template.format(id=ABSENT), json=body, headers=KYA_ADMIN)
    assert foreign.status_code == absent.status_code == 404, (foreign.text, absent.text)
    assert foreign.headers["content-type"] == absent.headers["content-type"] == "application/problem+json"
    shown, missing = foreign.json(), absent.json()
    assert shown.keys() == missing.keys()
    assert (shown["type"], shown["title"]) == (missing["type"], missing["title"])
    assert shown["detail"].replace(str(real), "N") == missing["detail"].replace(str(ABSENT), "N")
    assert "RU-MUR" not in foreign.text and "scope" not in foreign.text
