from __future__ import annotations

from typing import Any

import httpx

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"])
SERVICE = auth(["service"], ["RU"], sub="service:kpi-api")


async def done(client: httpx.AsyncClient, task_id: int, completed_on: str) -> None:
    assert (
        await client.patch(f"/v1/tasks/{task_id}", json={"status": "in_progress"}, headers=FEDERAL)
    ).status_code == 200
    response = await client.patch(
        f"/v1/tasks/{task_id}", json={"status": "done", "completed_on": completed_on}, headers=FEDERAL
    )
    assert response.status_code == 200, response.text


async def execution(client: httpx.AsyncClient, rid: int, as_of: str) -> dict[str, Any]:
    response = await client.get(f"/v1/roadmaps/{rid}/execution", params={"as_of": as_of}, headers=SERVICE)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def hand_built(make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> tuple[int, dict[str, int]]:
    """On time, late, overdue, cancelled, completed after as_of, and not yet due."""
    rid = (await make_roadmap())["id"]
    ids = {}
    ids["on_time"] = (await make_task(rid, due_date="2025-03-31", responsible="A"))["id"]
    ids["late"] = (await make_task(rid, due_date="2025-03-31", responsible="A"))["id"]
    ids["overdue"] = (await make_task(rid, due_date="2025-04-15", responsible="B", org_unit_code="MUR-GP1"))["id"]
    ids["cancelled"] = (await make_task(rid, due_date="2025-04-01", responsible="B"))["id"]
    ids["later_done"] = (await make_task(rid, due_date="2025-04-20", responsible="B"))["id"]
    ids["not_due"] = (await make_task(rid, due_date="2025-06-30", responsible="A"))["id"]
    await done(client, ids["on_time"], "2025-03-20")
    await done(client, ids["late"], "2025-04-10")
    await done(client, ids["later_done"], "2025-05-05")
    cancel = await client.patch(f"/v1/tasks/{ids['cancelled']}", json={"status": "cancelled"}, headers=FEDERAL)
    assert cancel.status_code == 200
    return rid, ids


class TestRoadmapExecution:
    async def test_hand_built_roadmap(self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> None:
        rid, _ = await hand_built(make_roadmap, make_task, client)
        assert await execution(client, rid, "2025-04-30") == {
            "as_of": "2025-04-30",
            "due": 4,
            "completed_on_time": 1,
            "completed_late": 1,
            "overdue": 2,  # one never done, one done only after as_of
            "execution_pct": 50.0,
            "threshold_pct": 90.0,
            "meets_threshold": False,
        }
        later = await execution(client, rid, "2025-05-31")
        assert (later["due"], later["completed_late"], later["overdue"], later["execution_pct"]) == (4, 2, 1, 75.0)
        early = await execution(client, rid, "2025-03-31")
        assert (early["due"], early["completed_on_time"], early["overdue"]) == (2, 1, 1)
        assert early["execution_pct"] == 50.0

    async def test_nothing_due_is_null(self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> None:
        rid = (await make_roadmap())["id"]
        await make_task(rid, due_date="2025-06-30")
        figure = await execution(client, rid, "2025-01-01")
        assert (figure["due"], figure["execution_pct"], figure["meets_threshold"]) == (0, None, None)

    async def test_all_on_time_meets_threshold(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        rid = (await make_roadmap())["id"]
        await done(client, (await make_task(rid, due_date="2025-03-31"))["id"], "2025-03-31")
        figure = await execution(client, rid, "2025-04-01")
        assert (figure["execution_pct"], figure["meets_threshold"]) == (100.0, True)

    async def test_bad_as_of_and_scope(self, make_roadmap: Any, client: httpx.AsyncClient) -> None:
        rid = (await make_roadmap())["id"]
        for bad in ("2025-13-01", "yesterday", "0001-01-01"):
            response = await client.get(f"/v1/roadmaps/{rid}/execution", params={"as_of": bad}, headers=FEDERAL)
            assert response.status_code == 422
        assert (await client.get(f"/v1/roadmaps/{rid}/execution", headers=KYA_ADMIN)).status_code == 403
        assert (await client.get("/v1/roadmaps/9999/execution", headers=FEDERAL)).status_code == 404
        assert (await client.get(f"/v1/roadmaps/{rid}/execution", headers=FEDERAL)).status_code == 200


class TestRegionExecution:
    async def test_region_total_is_a_ratio_of_sums(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        rid, _ = await hand_built(make_roadmap, make_task, client)
        second = (await make_roadmap(title="second"))["id"]
        await done(client, (await make_task(second, due_date="2025-04-01"))["id"], "2025-04-01")
        empty = (await make_roadmap(title="empty"))["id"]
        await make_roadmap("RU-KYA")
        response = await client.get("/v1/regions/RU-MUR/execution", params={"as_of": "2025-04-30"}, headers=SERVICE)
        assert response.status_code == 200
        data = response.json()
        per = {r["roadmap_id"]: r for r in data["roadmaps"]}
        assert set(per) == {rid, second, empty}
        assert per[rid]["execution_pct"] == 50.0
        assert per[rid] | {"roadmap_id": 0, "title": "", "status": ""} == {
            **(await execution(client, rid, "2025-04-30")),
            "roadmap_id": 0,
            "title": "",
            "status": "",
        }
        assert per[empty]["due"] == 0 and per[empty]["execution_pct"] is None
        total = data["total"]
        assert (total["due"], total["completed_on_time"], total["completed_late"], total["overdue"]) == (5, 2, 1, 2)
        assert total["execution_pct"] == 60.0
        assert (await client.get("/v1/regions/RU-MUR/execution", headers=KYA_ADMIN)).status_code == 403


class TestDueList:
    async def test_overdue_and_soon_due_per_responsible_and_org_unit(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        _, ids = await hand_built(make_roadmap, make_task, client)
        params = {"as_of": "2025-04-16", "within_days": 7}
        response = await client.get("/v1/due-tasks", params=params, headers=FEDERAL)
        assert response.status_code == 200
        data = response.json()
        states = {i["task_id"]: (i["state"], i["days"]) for i in data["items"]}
        assert states == {ids["overdue"]: ("overdue", 1), ids["later_done"]: ("due_soon", 4)}
        assert data["by_responsible"] == [{"key": "B", "overdue": 1, "due_soon": 1}]
        by_unit = {g["key"]: (g["overdue"], g["due_soon"]) for g in data["by_org_unit"]}
        assert by_unit == {"MUR-GP1": (1, 0), None: (0, 1)}
        only_b = await client.get("/v1/due-tasks", params={**params, "org_unit_code": "MUR-GP1"}, headers=FEDERAL)
        assert [i["task_id"] for i in only_b.json()["items"]] == [ids["overdue"]]
        kya = await client.get("/v1/due-tasks", params=params, headers=KYA_ADMIN)
        assert kya.json()["items"] == []
        assert (await client.get("/v1/due-tasks", params={"within_days": -1}, headers=FEDERAL)).status_code == 422


class TestDeviations:
    async def test_moves_from_the_baseline(self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> None:
        rid = (await make_roadmap())["id"]
        moved = await make_task(rid, due_date="2025-03-31")
        late = await make_task(rid, due_date="2025-03-31")
        early = await make_task(rid, due_date="2025-03-31")
        steady = await make_task(rid, due_date="2025-03-31")
        await make_task(rid, due_date="2025-12-31")
        approve = await client.post(f"/v1/roadmaps/{rid}/status", json={"status": "approved"}, headers=FEDERAL)
        assert approve.status_code == 200
        task = (await client.get(f"/v1/tasks/{moved['id']}", headers=FEDERAL)).json()
        assert task["baseline_due_date"] == "2025-03-31"
        # Dates may still change after approval; they show as deviations from the baseline.
        assert (
            await client.patch(f"/v1/tasks/{moved['id']}", json={"due_date": "2025-04-30"}, headers=FEDERAL)
        ).status_code == 200
        await done(client, late["id"], "2025-04-05")
        await done(client, early["id"], "2025-03-25")
        await done(client, steady["id"], "2025-03-31")
        after = await make_task(rid, due_date="2025-02-01")
        assert after["baseline_due_date"] is None
        response = await client.get(f"/v1/roadmaps/{rid}/deviations", params={"as_of": "2025-04-10"}, headers=FEDERAL)
        assert response.status_code == 200
        rows = {r["task_id"]: (r["reschedule_days"], r["delay_days"], r["settled"]) for r in response.json()["items"]}
        assert rows == {moved["id"]: (30, 10, False), late["id"]: (0, 5, True), early["id"]: (0, -6, True)}
