"""Improvement projects in the polyclinic's own hand (its operators update status, dates, stages,
metrics and comments — nothing else), the leader, the New-model criteria and the passport approved by
the regional centre."""

from __future__ import annotations

from typing import Any

import httpx

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"], sub="federal")
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin")
MUR_ADMIN_2 = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin-2")
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
GP1_OPERATOR = auth(["mo_operator"], ["MUR-GP1"], sub="gp1-operator")
OTHER_OPERATOR = auth(["mo_operator"], ["MUR-P002"], sub="p2-operator")
MUR_ANALYST = auth(["analyst"], ["RU-MUR"])
URL = "/v1/improvement-projects"
STAGES = [
    {"stage": "preparation", "start_date": "2025-01-10", "end_date": "2025-01-31"},
    {"stage": "diagnosis", "start_date": "2025-02-01", "end_date": "2025-02-28"},
]
METRIC = {"name": "Ожидание в очереди", "unit": "мин", "direction": "lower_is_better", "before": 30, "target": 10}


async def project(client: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    body = {
        "region_code": "RU-MUR",
        "org_unit_code": "MUR-GP1",
        "title": "Регистратура без очередей",
        "category": "registry",
        "process": "Запись на приём",
        "problem": "Очередь до 30 минут",
        "goal": "Ожидание не более 10 минут",
        "leader": "Заведующая поликлиникой Смирнова О.В.",
        "new_model_criteria": ["patient_flow", "care_accessibility", "patient_flow"],
        "metrics": [METRIC],
        **extra,
    }
    response = await client.post(URL, json=body, headers=MUR_ADMIN)
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestOwnHand:
    async def test_the_operator_updates_progress_and_nothing_else(
        self, client: httpx.AsyncClient, more_units: Any
    ) -> None:
        p = await project(client)
        assert (p["org_unit_code"], p["leader"], p["status"]) == (
            "MUR-GP1",
            "Заведующая поликлиникой Смирнова О.В.",
            "planned",
        )
        assert p["new_model_criteria"] == ["patient_flow", "care_accessibility"]
        url = f"{URL}/{p['id']}"
        started = await client.patch(
            url,
            json={"status": "in_progress", "start_date": "2025-01-10", "end_date": "2025-06-30"},
            headers=GP1_OPERATOR,
        )
        assert started.status_code == 200, started.text
        assert (started.json()["status"], started.json()["end_date"]) == ("in_progress", "2025-06-30")
        staged = await client.put(f"{url}/stages", json={"items": STAGES}, headers=GP1_OPERATOR)
        assert staged.status_code == 200
        measured = await client.put(f"{url}/metrics", json={"items": [{**METRIC, "after": 8}]}, headers=GP1_OPERATOR)
        assert measured.json()["metrics"][0]["effect"]["label"] == "reduced 3.8×"
        comment = await client.post(f"{url}/comments", json={"text": "Открыли второе окно"}, headers=GP1_OPERATOR)
        assert comment.status_code == 201 and comment.json()["author"] == "gp1-operator"
        for body in ({"goal": "другая"}, {"leader": "Иванов"}, {"status": "completed", "title": "x"}):
            refused = await client.patch(url, json=body, headers=GP1_OPERATOR)
            assert refused.status_code == 403, body
            assert refused.json()["reason"] == "progress_only"
        assert (
            await client.post(f"{url}/passport", json={"action": "submit"}, headers=GP1_OPERATOR)
        ).status_code == 403
        backwards = await client.patch(url, json={"end_date": "2024-12-31"}, headers=GP1_OPERATOR)
        assert backwards.status_code == 422

    async def test_another_organisation_or_region_sees_nothing(
        self, client: httpx.AsyncClient, more_units: Any
    ) -> None:
        p = await project(client)
        url = f"{URL}/{p['id']}"
        for headers in (OTHER_OPERATOR, KYA_ADMIN):
            assert (await client.get(url, headers=headers)).status_code == 404
            assert (await client.patch(url, json={"status": "in_progress"}, headers=headers)).status_code == 404
            assert (await client.put(f"{url}/metrics", json={"items": []}, headers=headers)).status_code == 404
            assert (await client.post(f"{url}/comments", json={"text": "x"}, headers=headers)).status_code == 404
        assert (await client.patch(url, json={"status": "in_progress"}, headers=MUR_ANALYST)).status_code == 403
        # A project without an organisation has no operators.
        bare = await project(client, org_unit_code=None)
        assert bare["org_unit_code"] is None
        assert (
            await client.patch(f"{URL}/{bare['id']}", json={"status": "in_progress"}, headers=GP1_OPERATOR)
        ).status_code == 404

    async def test_bad_organisations_and_criteria(self, client: httpx.AsyncClient, more_units: Any) -> None:
        body = {
            "region_code": "RU-MUR",
            "title": "t",
            "category": "registry",
            "process": "p",
            "problem": "p",
            "goal": "g",
        }
        foreign = await client.post(URL, json={**body, "org_unit_code": "KYA-GP1"}, headers=MUR_ADMIN)
        assert foreign.status_code == 422 and foreign.json()["errors"][0]["pointer"] == "/org_unit_code"
        criteria = await client.post(URL, json={**body, "new_model_criteria": ["beauty"]}, headers=MUR_ADMIN)
        assert criteria.status_code == 422
        listed = (await client.get("/v1/new-model-criteria", headers=MUR_ANALYST)).json()
        assert [(c["code"], c["lean_report_table"]) for c in listed][:2] == [
            ("space_quality", 1),
            ("staff_involvement", 1),
        ]
        assert {c["name_ru"] for c in listed} >= {"Управление потоками пациентов", "Стандартизация процессов"}


class TestPassport:
    async def test_approved_by_the_regional_centre_then_locked(
        self, client: httpx.AsyncClient, more_units: Any
    ) -> None:
        p = await project(client)
        url = f"{URL}/{p['id']}"
        assert (await client.post(f"{url}/passport", json={"action": "approve"}, headers=MUR_ADMIN)).status_code == 409
        submitted = await client.post(f"{url}/passport", json={"action": "submit"}, headers=MUR_ADMIN)
        assert submitted.json()["passport"]["status"] == "submitted"
        own = await client.post(f"{url}/passport", json={"action": "approve"}, headers=MUR_ADMIN)
        assert own.status_code == 403 and own.json()["reason"] == "four_eyes"
        approved = await client.post(
            f"{url}/passport", json={"action": "approve", "note": "РЦ ПМСП"}, headers=MUR_ADMIN_2
        )
        assert approved.status_code == 200, approved.text
        passport = approved.json()["passport"]
        assert (passport["status"], passport["approved_by"], passport["submitted_by"]) == (
            "approved",
            "mur-admin-2",
            "mur-admin",
        )
        assert passport["approver_body"].startswith("Региональный центр") and passport["approved_at"]
        locked = await client.patch(url, json={"goal": "другая"}, headers=MUR_ADMIN)
        assert locked.status_code == 409 and locked.json()["fields"] == ["goal"]
        # Measured values go on; the passport's own figures do not change.
        progress = await client.put(f"{url}/metrics", json={"items": [{**METRIC, "after": 12}]}, headers=GP1_OPERATOR)
        assert progress.status_code == 200
        moved = await client.put(f"{url}/metrics", json={"items": [{**METRIC, "target": 5}]}, headers=MUR_ADMIN)
        assert moved.status_code == 409 and moved.json()["reason"] == "passport_approved"
        added = await client.put(f"{url}/metrics", json={"items": [METRIC, METRIC]}, headers=MUR_ADMIN)
        assert added.status_code == 409
        assert (await client.patch(url, json={"status": "in_progress"}, headers=GP1_OPERATOR)).status_code == 200
        # Returned to be corrected, it opens again.
        returned = await client.post(
            f"{url}/passport", json={"action": "return", "note": "уточнить цель"}, headers=MUR_ADMIN_2
        )
        assert returned.json()["passport"]["status"] == "returned"
        assert (await client.patch(url, json={"goal": "другая"}, headers=MUR_ADMIN)).status_code == 200
        trail = (
            await client.get(
                "/v1/audit-entries", params={"entity": "improvement_project", "entity_id": p["id"]}, headers=MUR_ANALYST
            )
        ).json()["items"]
        actions = [e["action"] for e in trail]
        assert actions[0] == "created"
        assert [a for a in actions if a.startswith("passport_")] == [
            "passport_submitted",
            "passport_approved",
            "passport_returned",
        ]
        assert "metrics_replaced" in actions and "stages_replaced" not in actions
        comments = (await client.get(f"{url}/comments", headers=MUR_ANALYST)).json()
        assert comments["items"] == []
