"""DESIGN §5: every write endpoint refuses another region's regional_admin (404 for an id of that
region — as if it did not exist —, 403 for a body naming the region) and the region's mo_operator
and analyst (403; the operator's own hand on tasks is tested in test_operator_tasks.py), and a test
proves it for each one — the list below must cover every write operation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from roadmap_api.app import create_app
from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"])
OUTSIDERS = {
    "other_region_admin": auth(["regional_admin"], ["RU-KYA"]),
    "mo_operator": auth(["mo_operator"], ["RU-MUR"]),
    "analyst": auth(["analyst"], ["RU-MUR"]),
}
NOW = datetime.now(UTC)

# operation id → (method, path template, body); ids are filled in from the `world` fixture.
WRITES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "create_roadmap": ("POST", "/v1/roadmaps", {"region_code": "RU-MUR", "life_situation": "x", "title": "x"}),
    "update_roadmap": ("PATCH", "/v1/roadmaps/{roadmap}", {"title": "y"}),
    "replace_roadmap_kpis": ("PUT", "/v1/roadmaps/{roadmap}/kpis", {"kpis": []}),
    "create_measure": ("POST", "/v1/roadmaps/{roadmap}/measures", {"problem": "p", "solution": "s"}),
    "change_roadmap_status": ("POST", "/v1/roadmaps/{roadmap}/status", {"status": "approved"}),
    "create_task": (
        "POST",
        "/v1/roadmaps/{roadmap}/tasks",
        {"title": "t", "start_date": "2025-01-01", "due_date": "2025-02-01", "responsible": "r"},
    ),
    "update_task": ("PATCH", "/v1/tasks/{task}", {"title": "y"}),
    "create_task_comment": ("POST", "/v1/tasks/{task}/comments", {"text": "c"}),
    "put_task_report": ("PUT", "/v1/tasks/{recurring}/reports/2025Q1", {"completed_on": "2025-03-28"}),
    "create_roadmap_revision": ("POST", "/v1/roadmaps/{approved}/revisions", {"reason": "сроки сорваны"}),
    "create_programme": (
        "POST",
        "/v1/programmes",
        {"code": "P2", "region_code": "RU-MUR", "title_ru": "x", "start_year": 2021, "end_year": 2025},
    ),
    "replace_programme_plan": ("PUT", "/v1/programmes/{programme}/plan", {"items": []}),
    "replace_programme_financing": ("PUT", "/v1/programmes/{programme}/financing", {"lines": []}),
    "create_improvement_project": (
        "POST",
        "/v1/improvement-projects",
        {"region_code": "RU-MUR", "title": "x", "category": "registry", "process": "p", "problem": "p", "goal": "g"},
    ),
    "update_improvement_project": ("PATCH", "/v1/improvement-projects/{improvement}", {"goal": "y"}),
    "replace_improvement_stages": ("PUT", "/v1/improvement-projects/{improvement}/stages", {"items": []}),
    "replace_improvement_metrics": ("PUT", "/v1/improvement-projects/{improvement}/metrics", {"items": []}),
    "create_strategic_session": ("POST", "/v1/strategic-sessions", {"region_code": "RU-MUR", "theme": "x"}),
    "create_session_section": (
        "POST",
        "/v1/strategic-sessions/{session}/sections",
        {
            "code": "S2",
            "title": "t",
            "voting_mode": "points",
            "opens_at": NOW.isoformat(),
            "closes_at": (NOW + timedelta(hours=1)).isoformat(),
        },
    ),
    "create_working_group": ("POST", "/v1/strategic-sessions/{session}/groups", {"name": "g", "moderator": "m"}),
    "create_session_participant": (
        "POST",
        "/v1/strategic-sessions/{session}/participants",
        {"name": "n", "category": "ministry"},
    ),
    "create_session_project": (
        "POST",
        "/v1/strategic-sessions/{session}/projects",
        {"code": "P9", "title": "t", "section_code": "S1"},
    ),
    "cast_ballot": (
        "POST",
        "/v1/strategic-sessions/{session}/sections/S1/ballots",
        {"participant_id": 0, "choice": "P1"},
    ),
    "select_session_project": (
        "POST",
        "/v1/strategic-sessions/{session}/projects/{project}/selection",
        {"implement_as": "roadmap", "life_situation": "x"},
    ),
    "create_participant_evaluation": (
        "POST",
        "/v1/strategic-sessions/{session}/evaluations",
        {"participant_id": 0, "evaluator": "e", "role": "observer", "score": 5},
    ),
}


def test_every_write_operation_is_listed() -> None:
    document = create_app().openapi()
    writes = {
        op["operationId"]
        for operations in document["paths"].values()
        for method, op in operations.items()
        if method in {"post", "put", "patch", "delete"}
    }
    assert writes == set(WRITES)


@pytest.fixture
async def world(client: httpx.AsyncClient) -> dict[str, int]:
    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(path, json=body, headers=FEDERAL)
        assert response.status_code == 201, response.text
        return dict(response.json())

    roadmap = await post("/v1/roadmaps", {"region_code": "RU-MUR", "life_situation": "x", "title": "x"})
    task = await post(f"/v1/roadmaps/{roadmap['id']}/tasks", WRITES["create_task"][2])
    recurring = await post(
        f"/v1/roadmaps/{roadmap['id']}/tasks",
        {**WRITES["create_task"][2], "start_date": "2025-01-01", "due_date": "2025-12-31", "recurrence": "ongoing"},
    )
    approved = await post("/v1/roadmaps", {"region_code": "RU-MUR", "life_situation": "x", "title": "approved"})
    approval = await client.post(f"/v1/roadmaps/{approved['id']}/status", json={"status": "approved"}, headers=FEDERAL)
    assert approval.status_code == 200, approval.text
    programme = await post(
        "/v1/programmes", {"code": "P1", "region_code": "RU-MUR", "title_ru": "x", "start_year": 2021, "end_year": 2025}
    )
    improvement = await post("/v1/improvement-projects", WRITES["create_improvement_project"][2])
    session = await post("/v1/strategic-sessions", {"region_code": "RU-MUR", "theme": "x"})
    sid = session["id"]
    await post(
        f"/v1/strategic-sessions/{sid}/sections",
        {**WRITES["create_session_section"][2], "code": "S1", "voting_mode": "single_choice"},
    )
    project = await post(f"/v1/strategic-sessions/{sid}/projects", {"code": "P1", "title": "t", "section_code": "S1"})
    participant = await post(f"/v1/strategic-sessions/{sid}/participants", {"name": "n", "category": "ministry"})
    return {
        "roadmap": roadmap["id"],
        "approved": approved["id"],
        "task": task["id"],
        "recurring": recurring["id"],
        "programme": programme["id"],
        "improvement": improvement["id"],
        "session": sid,
        "project": project["id"],
        "participant": participant["id"],
    }


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
@pytest.mark.parametrize("operation", sorted(WRITES))
async def test_outsiders_cannot_write(
    client: httpx.AsyncClient, world: dict[str, int], operation: str, who: str
) -> None:
    method, template, body = WRITES[operation]
    if "participant_id" in body:
        body = {**body, "participant_id": world["participant"]}
    response = await client.request(method, template.format(**world), json=body, headers=OUTSIDERS[who])
    by_id = "{" in template
    expected = 404 if who == "other_region_admin" and by_id else 403
    assert response.status_code == expected, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("operation", sorted(WRITES))
async def test_the_regions_admin_can_write(client: httpx.AsyncClient, world: dict[str, int], operation: str) -> None:
    method, template, body = WRITES[operation]
    if "participant_id" in body:
        body = {**body, "participant_id": world["participant"]}
    response = await client.request(method, template.format(**world), json=body, headers=MUR_ADMIN)
    assert response.status_code in {200, 201}, response.text
