"""Escalations: a problem on a polyclinic or a project, raised from the regional centre to the ministry
and on to the federal centre, with status and who answered when."""

from __future__ import annotations

from typing import Any

import httpx

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"], sub="federal-centre")
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-ministry")
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
GP1_OPERATOR = auth(["mo_operator"], ["MUR-GP1"], sub="gp1-operator")
OTHER_OPERATOR = auth(["mo_operator"], ["MUR-P002"], sub="p2-operator")
MUR_ANALYST = auth(["analyst"], ["RU-MUR"])
URL = "/v1/escalations"


async def open_thread(client: httpx.AsyncClient, headers: dict[str, str] = MUR_ADMIN, **extra: Any) -> httpx.Response:
    body = {
        "subject_kind": "polyclinic",
        "org_unit_code": "MUR-GP1",
        "title": "Нет кардиолога второй месяц",
        "description": "Запись к кардиологу закрыта",
        **extra,
    }
    return await client.post(URL, json=body, headers=headers)


class TestLadder:
    async def test_raised_to_the_ministry_and_the_federal_centre(
        self, client: httpx.AsyncClient, more_units: Any
    ) -> None:
        opened = await open_thread(client, GP1_OPERATOR)
        assert opened.status_code == 201, opened.text
        e = opened.json()
        assert (e["level"], e["status"], e["region_code"]) == ("regional_centre", "open", "RU-MUR")
        eid = e["id"]
        answered = await client.post(
            f"{URL}/{eid}/answer", json={"text": "Ищем врача по совместительству"}, headers=MUR_ADMIN
        )
        assert answered.json()["status"] == "answered"
        await client.post(f"{URL}/{eid}/messages", json={"text": "Не помогло"}, headers=GP1_OPERATOR)
        raised = await client.post(f"{URL}/{eid}/raise", json={"text": "Нужны ставки"}, headers=MUR_ADMIN)
        assert (raised.json()["level"], raised.json()["status"]) == ("ministry", "open")
        await client.post(f"{URL}/{eid}/answer", json={"text": "Ставки в 2026 году"}, headers=MUR_ADMIN)
        top = await client.post(f"{URL}/{eid}/raise", json={"text": "Нужна федеральная квота"}, headers=MUR_ADMIN)
        assert top.json()["level"] == "federal_centre"
        assert (await client.post(f"{URL}/{eid}/raise", json={"text": "ещё"}, headers=MUR_ADMIN)).status_code == 409
        regional = await client.post(f"{URL}/{eid}/answer", json={"text": "сами ответим"}, headers=MUR_ADMIN)
        assert regional.status_code == 403 and regional.json()["reason"] == "federal_centre_answers"
        final = await client.post(
            f"{URL}/{eid}/answer", json={"text": "Квота выделена", "resolve": True}, headers=FEDERAL
        )
        body = final.json()
        assert body["status"] == "resolved"
        assert [(a["level"], a["by"]) for a in body["answers"]] == [
            ("regional_centre", "mur-ministry"),
            ("ministry", "mur-ministry"),
            ("federal_centre", "federal-centre"),
        ]
        assert all(a["at"] for a in body["answers"])
        assert [(ev["kind"], ev["level"]) for ev in body["events"]] == [
            ("opened", "regional_centre"),
            ("answered", "regional_centre"),
            ("comment", "regional_centre"),
            ("raised", "ministry"),
            ("answered", "ministry"),
            ("raised", "federal_centre"),
            ("answered", "federal_centre"),
            ("resolved", "federal_centre"),
        ]
        assert body["events"][2]["actor_roles"] == ["mo_operator"]
        assert (await client.post(f"{URL}/{eid}/messages", json={"text": "x"}, headers=MUR_ADMIN)).status_code == 409
        waiting = (await client.get(URL, params={"level": "federal_centre"}, headers=FEDERAL)).json()["items"]
        assert [x["id"] for x in waiting] == [eid]

    async def test_scope_and_roles(self, client: httpx.AsyncClient, more_units: Any) -> None:
        eid = (await open_thread(client)).json()["id"]
        for headers in (KYA_ADMIN, OTHER_OPERATOR):
            assert (await client.get(f"{URL}/{eid}", headers=headers)).status_code == 404
            assert (await client.post(f"{URL}/{eid}/messages", json={"text": "x"}, headers=headers)).status_code == 404
        assert (await client.get(f"{URL}/{eid}", headers=GP1_OPERATOR)).status_code == 200
        assert (await client.get(f"{URL}/{eid}", headers=MUR_ANALYST)).status_code == 200
        assert (await client.post(f"{URL}/{eid}/raise", json={"text": "x"}, headers=GP1_OPERATOR)).status_code == 403
        assert (await client.post(f"{URL}/{eid}/answer", json={"text": "x"}, headers=MUR_ANALYST)).status_code == 403
        assert (await open_thread(client, OTHER_OPERATOR)).status_code == 403
        assert (await open_thread(client, KYA_ADMIN)).status_code == 403
        assert (await client.get(URL, headers=KYA_ADMIN)).json()["items"] == []
        assert [x["id"] for x in (await client.get(URL, headers=GP1_OPERATOR)).json()["items"]] == [eid]
        resolved = await client.post(f"{URL}/{eid}/resolve", json={"text": "решено на месте"}, headers=MUR_ADMIN)
        assert resolved.json()["status"] == "resolved"
        assert (await client.post(f"{URL}/{eid}/answer", json={"text": "x"}, headers=MUR_ADMIN)).status_code == 409

    async def test_a_thread_on_a_project(self, client: httpx.AsyncClient, more_units: Any) -> None:
        project = await client.post(
            "/v1/improvement-projects",
            json={
                "region_code": "RU-MUR",
                "org_unit_code": "MUR-GP1",
                "title": "Запись",
                "category": "registry",
                "process": "p",
                "problem": "p",
                "goal": "g",
            },
            headers=MUR_ADMIN,
        )
        pid = project.json()["id"]
        opened = await open_thread(client, GP1_OPERATOR, subject_kind="improvement_project", improvement_project_id=pid)
        assert opened.status_code == 201, opened.text
        assert (opened.json()["improvement_project_id"], opened.json()["org_unit_code"]) == (pid, "MUR-GP1")
        hidden = await open_thread(client, KYA_ADMIN, subject_kind="improvement_project", improvement_project_id=pid)
        assert hidden.status_code == 422

    async def test_bad_subjects(self, client: httpx.AsyncClient, more_units: Any) -> None:
        assert (await open_thread(client, org_unit_code="NOPE")).status_code == 422
        assert (await open_thread(client, org_unit_code="RU-MUR")).status_code == 422
        assert (await open_thread(client, org_unit_code=None)).status_code == 422
        missing = await open_thread(client, subject_kind="improvement_project", improvement_project_id=999)
        assert missing.status_code == 422
        assert (await client.get(f"{URL}/999", headers=FEDERAL)).status_code == 404
