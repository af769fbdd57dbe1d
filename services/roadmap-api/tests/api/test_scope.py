"""DESIGN §5: every write endpoint refuses another region's regional_admin (404 for an id of that
region — as if it did not exist —, 403 for a body naming the region) and the region's mo_operator
and analyst (403; the operator's own hand on tasks is tested in test_operator_tasks.py), and a test
proves it for each one — the lists below (WRITES and FLOW_WRITES) must cover every write operation."""

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
    assert writes == set(WRITES) | set(FLOW_WRITES) | WEBHOOK_WRITES | FOLLOWUP_WRITES


# /v1/webhooks is the same shared router in every service: its outsiders (another region's admin 404, an
# operator or analyst 403) and the region's own admin are checked in every service by the authorisation
# matrix (tests/security/webhook_matrix.py), on webhooks and deliveries of both regions.
WEBHOOK_WRITES = {"create_webhook", "delete_webhook", "replay_webhook_delivery"}
# The follow-ups' writers are not the region's admin alone: the signed webhook (no token), services and
# federal open them, the org unit's operator completes them. Their outsiders are checked in
# tests/api/test_followups.py (TestScope, TestSignature, the service path's roles) and in the matrix.
FOLLOWUP_WRITES = {"receive_detractor_webhook", "open_detractor_followup", "complete_followup"}


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


# -- the programme workflows (regional centres, escalations, catalogues, sessions as run, …) ---------
# Their ids outside the caller's scope are hidden (404), catalogue definitions may be added by any
# region's admin (owned by that region), and an mo_operator scoped to the region counts as an
# operator of its organisations (self-assessments, institutions). Each row: what the outsiders get,
# and (method, path, body) on the flow world below; the region's admin gets 2xx.
MO = "mo_operator"
FLOW_WRITES: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "report_programme_activity_progress": (
        "PUT",
        "/v1/programmes/{programme}/activities/1/progress",
        {"status": "in_progress"},
        {},
    ),
    "replace_programme_volumes": ("PUT", "/v1/programmes/{programme}/volumes", {"items": []}, {}),
    "create_improvement_comment": (
        "POST",
        "/v1/improvement-projects/{improvement}/comments",
        {"text": "c"},
        {"other_region_admin": 404},
    ),
    "step_improvement_passport": (
        "POST",
        "/v1/improvement-projects/{improvement}/passport",
        {"action": "submit"},
        {"other_region_admin": 404},
    ),
    "issue_voting_token": (
        "POST",
        "/v1/strategic-sessions/{session}/participants/{participant}/voting-token",
        None,
        {},
    ),
    "add_session_observer": ("POST", "/v1/strategic-sessions/{session}/observers", {"name": "n"}, {}),
    "revoke_session_observer": ("DELETE", "/v1/strategic-sessions/{session}/observers/{observer}", None, {}),
    "end_strategic_session": ("POST", "/v1/strategic-sessions/{session}/end", None, {}),
    "set_composition_rules": ("PUT", "/v1/strategic-sessions/{session}/composition-rules", {"categories": []}, {}),
    "change_session_project_status": (
        "POST",
        "/v1/strategic-sessions/{session}/projects/{project}/status",
        {"status": "selected"},
        {},
    ),
    "create_best_practice": (
        "POST",
        "/v1/best-practices",
        {"code": "{fresh}", "name_ru": "n"},
        {"other_region_admin": 201},
    ),
    # catalogue entries are public: another region's admin sees the entry and is refused as not its owner
    "update_best_practice": ("PATCH", "/v1/best-practices/{practice}", {"result_ru": "r"}, {"other_region_admin": 403}),
    "create_life_situation": (
        "POST",
        "/v1/life-situations",
        {"code": "{fresh}", "name_ru": "n", "start_event_ru": "s", "end_event_ru": "e", "beneficiaries_ru": "b"},
        {"other_region_admin": 201},
    ),
    "update_life_situation": (
        "PATCH",
        "/v1/life-situations/{situation}",
        {"name_ru": "n2"},
        {"other_region_admin": 403},
    ),
    "add_life_situation_institution": (
        "POST",
        "/v1/life-situations/nsi-health-1/institutions",
        {"org_unit_code": "MUR-GP1"},
        {MO: 201},
    ),
    "create_self_assessment": (
        "POST",
        "/v1/life-situations/nsi-health-2/self-assessments",
        {"org_unit_code": "MUR-GP1", "indicator_code": "{fresh}", "metric_ru": "m", "unit": "дни", "measurements": [1]},
        {MO: 201},
    ),
    "replace_self_assessment_measurements": (
        "PUT",
        "/v1/self-assessments/{assessment}/measurements",
        {"measurements": [1, 2]},
        {"other_region_admin": 404, MO: 200},
    ),
    "set_kpi_baseline_from_self_assessment": (
        "POST",
        "/v1/roadmaps/{roadmap}/kpis/WAIT/baseline-from-self-assessment",
        {"life_situation_code": "nsi-health-1", "accept_small_sample": True},
        {"other_region_admin": 404},
    ),
    "create_regional_centre": ("POST", "/v1/regional-centres", {"region_code": "RU-MUR", "name_ru": "РЦ"}, {}),
    "update_regional_centre": (
        "PATCH",
        "/v1/regional-centres/{centre}",
        {"act": "приказ"},
        {"other_region_admin": 404},
    ),
    "add_regional_centre_member": (
        "POST",
        "/v1/regional-centres/{centre}/members",
        {"name": "n", "position": "p", "medical_education": True, "polyclinic_codes": ["MUR-GP1"]},
        {"other_region_admin": 404},
    ),
    "update_regional_centre_member": (
        "PATCH",
        "/v1/regional-centres/{centre}/members/{member}",
        {"position": "p2"},
        {"other_region_admin": 404},
    ),
    "remove_regional_centre_member": (
        "DELETE",
        "/v1/regional-centres/{centre}/members/{member}",
        None,
        {"other_region_admin": 404},
    ),
    "deliver_regional_centre_notices": (
        "POST",
        "/v1/regional-centres/{centre}/notices/deliver",
        None,
        {"other_region_admin": 404},
    ),
    "create_escalation": (
        "POST",
        "/v1/escalations",
        {"subject_kind": "polyclinic", "org_unit_code": "MUR-GP1", "title": "t", "description": "d"},
        {MO: 201},
    ),
    "comment_escalation": (
        "POST",
        "/v1/escalations/{escalation}/messages",
        {"text": "t"},
        {"other_region_admin": 404, MO: 200},
    ),
    "raise_escalation": ("POST", "/v1/escalations/{escalation}/raise", {"text": "t"}, {"other_region_admin": 404}),
    "answer_escalation": ("POST", "/v1/escalations/{escalation}/answer", {"text": "t"}, {"other_region_admin": 404}),
    "resolve_escalation": ("POST", "/v1/escalations/{escalation}/resolve", {"text": "t"}, {"other_region_admin": 404}),
}


def test_the_flow_writes_are_listed_too() -> None:
    assert not set(FLOW_WRITES) & set(WRITES)


async def flow_ids(client: httpx.AsyncClient, world: dict[str, int], template: str) -> dict[str, Any]:
    """The ids a template needs, made for it only (the flows' worlds are costly to build whole)."""

    async def post(path: str, body: dict[str, Any] | None = None, headers: dict[str, str] = FEDERAL) -> Any:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code in {200, 201}, response.text
        return response.json()

    ids: dict[str, Any] = dict(world)
    if "activities/1" in template:
        items = [
            {
                "level": level,
                "number": 1,
                "goal_no": 1,
                "task_no": None if level == "goal" else 1,
                "title_ru": level,
                "start": {"kind": "date", "on": "2021-01-01"},
                "end": {"kind": "date", "on": "2025-12-31"},
            }
            for level in ("goal", "task", "activity")
        ]
        plan = await client.put(f"/v1/programmes/{world['programme']}/plan", json={"items": items}, headers=FEDERAL)
        assert plan.status_code == 200, plan.text
    if "{observer}" in template:
        ids["observer"] = (await post(f"/v1/strategic-sessions/{world['session']}/observers", {"name": "Министр"}))[
            "id"
        ]
    if "{practice}" in template:
        ids["practice"] = (await post("/v1/best-practices", {"code": "mur-bp", "name_ru": "n"}, MUR_ADMIN))["code"]
    if "{situation}" in template:
        body = {"code": "mur-ls", "name_ru": "n", "start_event_ru": "s", "end_event_ru": "e", "beneficiaries_ru": "b"}
        ids["situation"] = (await post("/v1/life-situations", body, MUR_ADMIN))["code"]
    if "{assessment}" in template or "baseline-from" in template:
        body = {
            "org_unit_code": "MUR-GP1",
            "indicator_code": "WAIT",
            "metric_ru": "m",
            "unit": "дни",
            "measurements": [3],
        }
        ids["assessment"] = (await post("/v1/life-situations/nsi-health-1/self-assessments", body))["id"]
    if "baseline-from" in template:
        kpis = [{"indicator_code": "WAIT", "target": 1, "target_period": "2025"}]
        body = {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": kpis}
        ids["roadmap"] = (await post("/v1/roadmaps", body))["id"]
    if "{centre}" in template:
        ids["centre"] = (await post("/v1/regional-centres", {"region_code": "RU-MUR", "name_ru": "РЦ"}))["id"]
    if "{member}" in template:
        body = {"name": "n", "position": "p", "medical_education": True, "polyclinic_codes": ["MUR-GP1"]}
        ids["member"] = (await post(f"/v1/regional-centres/{ids['centre']}/members", body))["id"]
    if "{escalation}" in template:
        ids["escalation"] = (await post("/v1/escalations", FLOW_WRITES["create_escalation"][2]))["id"]
    return ids


def _flow_request(operation: str, ids: dict[str, Any], n: int) -> tuple[str, str, Any]:
    method, template, body, _ = FLOW_WRITES[operation]
    if isinstance(body, dict):
        body = {k: (f"X{n}" if v == "{fresh}" else v) for k, v in body.items()}
    return method, template.format(**ids), body


@pytest.mark.parametrize("operation", sorted(FLOW_WRITES))
async def test_outsiders_cannot_write_the_flows(
    client: httpx.AsyncClient, world: dict[str, int], operation: str
) -> None:
    ids = await flow_ids(client, world, FLOW_WRITES[operation][1])
    for n, who in enumerate(sorted(OUTSIDERS)):
        method, path, body = _flow_request(operation, ids, n)
        response = await client.request(method, path, json=body, headers=OUTSIDERS[who])
        # Another region's ids are hidden (404) like the plan's; bodies naming its region are 403.
        default = 404 if who == "other_region_admin" and "{" in FLOW_WRITES[operation][1] else 403
        assert response.status_code == FLOW_WRITES[operation][3].get(who, default), (who, response.text)
        assert response.status_code < 300 or response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("operation", sorted(FLOW_WRITES))
async def test_the_regions_admin_can_write_the_flows(
    client: httpx.AsyncClient, world: dict[str, int], operation: str
) -> None:
    ids = await flow_ids(client, world, FLOW_WRITES[operation][1])
    method, path, body = _flow_request(operation, ids, 9)
    response = await client.request(method, path, json=body, headers=MUR_ADMIN)
    assert response.status_code in {200, 201, 204}, response.text
