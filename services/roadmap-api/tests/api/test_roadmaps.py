from __future__ import annotations

import httpx
import pytest
import respx

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin")
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
MUR_OPERATOR = auth(["mo_operator"], ["RU-MUR"])
MUR_ANALYST = auth(["analyst"], ["RU-MUR"])

KPI = {"indicator_code": "SAT_SHARE", "baseline": 61.5, "target": 75, "target_period": "2025"}


class TestCreate:
    async def test_created_draft_with_kpis_and_measures(self, client: httpx.AsyncClient) -> None:
        body = {
            "region_code": "RU-MUR",
            "life_situation": "ССЗ",
            "title": "ДК",
            "kpis": [KPI],
            "measures": [{"problem": "Очереди", "causes": ["Нет записи"], "solution": "Call-центр"}],
        }
        response = await client.post("/v1/roadmaps", json=body, headers=MUR_ADMIN)
        assert response.status_code == 201, response.text
        data = response.json()
        assert data["status"] == "draft"
        assert data["created_by"] == "mur-admin"
        assert response.headers["etag"] == 'W/"1"'
        (kpi,) = data["kpis"]
        assert (kpi["baseline"], kpi["target"], kpi["target_period"]) == (61.5, 75, "2025")
        # kpi-api has no analytics yet (404): the value degrades to null with a reason.
        assert kpi["current_value"] is None
        assert "analytics" in kpi["current_value_reason"]
        assert data["measures"][0]["causes"] == ["Нет записи"]

    @pytest.mark.parametrize(
        ("region", "message"), [("RU-ZZZ", "no org unit"), ("MUR-GP1", "not a region"), ("bad code!", None)]
    )
    async def test_unknown_or_non_region_is_422(
        self, client: httpx.AsyncClient, region: str, message: str | None
    ) -> None:
        body = {"region_code": region, "life_situation": "x", "title": "x"}
        response = await client.post("/v1/roadmaps", json=body, headers=FEDERAL)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/region_code"
        if message:
            assert message in response.json()["detail"]

    async def test_kpi_api_down_is_503(self, client: httpx.AsyncClient, kpi_api: respx.MockRouter) -> None:
        kpi_api.routes["org_unit"].side_effect = httpx.ConnectError("down")
        body = {"region_code": "RU-MUR", "life_situation": "x", "title": "x"}
        response = await client.post("/v1/roadmaps", json=body, headers=FEDERAL)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize(
        "body",
        [
            {
                "region_code": "RU-MUR",
                "life_situation": "x",
                "title": "x",
                "kpis": [{**KPI, "target_period": "2025Q5"}],
            },
            {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": [KPI, KPI]},
            {"region_code": "RU-MUR", "life_situation": "", "title": "x"},
            {"region_code": "RU-MUR", "title": "x"},
            {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": [{**KPI, "target": "abc"}]},
            {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": [{**KPI, "target": "1e400"}]},
            {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "extra": 1},
            {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": [{**KPI, "target": "NaN"}]},
            [],
        ],
    )
    async def test_bad_bodies_are_422(self, client: httpx.AsyncClient, body: object) -> None:
        response = await client.post("/v1/roadmaps", json=body, headers=FEDERAL)
        assert response.status_code == 422, response.text

    async def test_no_token_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/roadmaps", json={})
        assert response.status_code == 401


class TestCurrentValues:
    async def test_value_from_kpi_api(self, client: httpx.AsyncClient, kpi_api: respx.MockRouter) -> None:
        rows = [{"indicator_code": "SAT_SHARE", "org_unit_code": "RU-MUR", "period": "2025", "value": 68.2}]
        kpi_api.routes["analytics"].return_value = httpx.Response(200, json={"rows": rows})
        body = {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": [KPI]}
        created = (await client.post("/v1/roadmaps", json=body, headers=FEDERAL)).json()
        assert created["kpis"][0]["current_value"] == 68.2
        request = kpi_api.routes["analytics"].calls.last.request
        assert request.url.params["indicators"] == "SAT_SHARE"
        assert request.url.params["org_units"] == "RU-MUR"

    async def test_kpi_api_down_degrades(self, client: httpx.AsyncClient, kpi_api: respx.MockRouter) -> None:
        body = {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": [KPI]}
        created = (await client.post("/v1/roadmaps", json=body, headers=FEDERAL)).json()
        kpi_api.routes["analytics"].side_effect = httpx.ConnectError("down")
        response = await client.get(f"/v1/roadmaps/{created['id']}", headers=FEDERAL)
        assert response.status_code == 200
        kpi = response.json()["kpis"][0]
        assert kpi["current_value"] is None
        assert kpi["current_value_reason"] == "kpi-api is unavailable"

    async def test_garbage_answer_degrades(self, client: httpx.AsyncClient, kpi_api: respx.MockRouter) -> None:
        kpi_api.routes["analytics"].return_value = httpx.Response(200, json={"unexpected": True})
        body = {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": [KPI]}
        response = await client.post("/v1/roadmaps", json=body, headers=FEDERAL)
        assert response.status_code == 201
        assert response.json()["kpis"][0]["current_value"] is None


class TestScope:
    async def test_reads_need_the_region_in_scope(self, client: httpx.AsyncClient) -> None:
        mur = (
            await client.post(
                "/v1/roadmaps", json={"region_code": "RU-MUR", "life_situation": "x", "title": "m"}, headers=FEDERAL
            )
        ).json()
        await client.post(
            "/v1/roadmaps", json={"region_code": "RU-KYA", "life_situation": "x", "title": "k"}, headers=FEDERAL
        )
        assert (await client.get(f"/v1/roadmaps/{mur['id']}", headers=MUR_OPERATOR)).status_code == 200
        assert (await client.get(f"/v1/roadmaps/{mur['id']}", headers=KYA_ADMIN)).status_code == 404
        listed = (await client.get("/v1/roadmaps", headers=MUR_ANALYST)).json()
        assert [r["region_code"] for r in listed["items"]] == ["RU-MUR"]
        assert len((await client.get("/v1/roadmaps", headers=FEDERAL)).json()["items"]) == 2
        only_kya = (await client.get("/v1/roadmaps?region_code=RU-KYA", headers=MUR_ADMIN)).json()
        assert only_kya["items"] == []

    async def test_missing_roadmap_is_404(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/roadmaps/999", headers=FEDERAL)).status_code == 404
        assert (await client.get("/v1/roadmaps/abc", headers=FEDERAL)).status_code == 422

    async def test_pagination(self, client: httpx.AsyncClient) -> None:
        for n in range(3):
            body = {"region_code": "RU-MUR", "life_situation": "x", "title": f"t{n}"}
            await client.post("/v1/roadmaps", json=body, headers=FEDERAL)
        first = (await client.get("/v1/roadmaps?limit=2", headers=FEDERAL)).json()
        assert [r["title"] for r in first["items"]] == ["t0", "t1"]
        second = (await client.get(f"/v1/roadmaps?limit=2&cursor={first['next_cursor']}", headers=FEDERAL)).json()
        assert [r["title"] for r in second["items"]] == ["t2"]
        assert (await client.get("/v1/roadmaps?cursor=%%%", headers=FEDERAL)).status_code == 422


class TestLifecycle:
    async def test_approval_records_who_and_when_and_locks_the_baseline(self, client: httpx.AsyncClient) -> None:
        body = {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": [KPI]}
        roadmap = (await client.post("/v1/roadmaps", json=body, headers=FEDERAL)).json()
        rid = roadmap["id"]
        skip = await client.post(f"/v1/roadmaps/{rid}/status", json={"status": "in_progress"}, headers=MUR_ADMIN)
        assert skip.status_code == 409
        assert "draft" in skip.json()["detail"]
        approved = await client.post(f"/v1/roadmaps/{rid}/status", json={"status": "approved"}, headers=MUR_ADMIN)
        assert approved.status_code == 200, approved.text
        assert approved.json()["approved_by"] == "mur-admin"
        assert approved.json()["approved_at"] is not None
        assert approved.headers["etag"] == 'W/"2"'

        kpis = await client.put(f"/v1/roadmaps/{rid}/kpis", json={"kpis": [{**KPI, "target": 90}]}, headers=FEDERAL)
        assert kpis.status_code == 409
        assert kpis.json()["reason"] == "baseline_locked"
        assert "baseline" in kpis.json()["detail"]
        measure = {"problem": "p", "solution": "s"}
        assert (await client.post(f"/v1/roadmaps/{rid}/measures", json=measure, headers=FEDERAL)).status_code == 409

        for status in ("in_progress", "completed"):
            step = await client.post(f"/v1/roadmaps/{rid}/status", json={"status": status}, headers=FEDERAL)
            assert step.status_code == 200
        closed = await client.patch(f"/v1/roadmaps/{rid}", json={"title": "new"}, headers=FEDERAL)
        assert closed.status_code == 409

    async def test_draft_kpis_and_measures_can_change(self, client: httpx.AsyncClient) -> None:
        body = {"region_code": "RU-MUR", "life_situation": "x", "title": "x", "kpis": [KPI]}
        rid = (await client.post("/v1/roadmaps", json=body, headers=FEDERAL)).json()["id"]
        replaced = await client.put(
            f"/v1/roadmaps/{rid}/kpis", json={"kpis": [{**KPI, "target": 80}]}, headers=MUR_ADMIN
        )
        assert replaced.status_code == 200
        assert replaced.json()["kpis"][0]["target"] == 80
        measure = {"problem": "p", "solution": "s", "best_practices": ["Бережливая поликлиника"]}
        created = await client.post(f"/v1/roadmaps/{rid}/measures", json=measure, headers=MUR_ADMIN)
        assert created.status_code == 201
        assert created.json()["best_practices"] == ["Бережливая поликлиника"]

    async def test_stale_if_match_is_409(self, client: httpx.AsyncClient) -> None:
        rid = (
            await client.post(
                "/v1/roadmaps", json={"region_code": "RU-MUR", "life_situation": "x", "title": "x"}, headers=FEDERAL
            )
        ).json()["id"]
        first = await client.patch(f"/v1/roadmaps/{rid}", json={"title": "a"}, headers={**FEDERAL, "If-Match": 'W/"1"'})
        assert first.status_code == 200
        assert first.headers["etag"] == 'W/"2"'
        stale = await client.patch(f"/v1/roadmaps/{rid}", json={"title": "b"}, headers={**FEDERAL, "If-Match": 'W/"1"'})
        assert stale.status_code == 409
        assert stale.json()["current_etag"] == 'W/"2"'
        null_title = await client.patch(f"/v1/roadmaps/{rid}", json={"title": None}, headers=FEDERAL)
        assert null_title.status_code == 422

    async def test_journal_has_field_level_changes(self, client: httpx.AsyncClient) -> None:
        rid = (
            await client.post(
                "/v1/roadmaps", json={"region_code": "RU-MUR", "life_situation": "x", "title": "a"}, headers=FEDERAL
            )
        ).json()["id"]
        await client.patch(f"/v1/roadmaps/{rid}", json={"title": "b"}, headers=MUR_ADMIN)
        await client.post(f"/v1/roadmaps/{rid}/status", json={"status": "approved"}, headers=MUR_ADMIN)
        journal = (await client.get(f"/v1/roadmaps/{rid}/journal", headers=MUR_OPERATOR)).json()["items"]
        changes = [(e["action"], e["field"], e["before"], e["after"], e["actor"]) for e in journal]
        assert ("updated", "title", "a", "b", "mur-admin") in changes
        assert ("status_changed", "status", "draft", "approved", "mur-admin") in changes
        assert any(e["field"] == "approved_by" and e["after"] == "mur-admin" for e in journal)
