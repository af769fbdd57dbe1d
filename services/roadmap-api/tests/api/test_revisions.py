"""Revisions of an approved roadmap (issue 15 item 1): a new draft version with its reason, approved
by the governor and the national agency, and an execution history that compares each date with the
version in force on it."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_ANALYST, Approve, FixedClock

KPI = {"indicator_code": "SAT_SHARE", "baseline": 61.5, "target": 75, "target_period": "2025"}
GOVERNOR = "Губернатор Мурманской области"
AGENCY = "АНО «Агентство стратегических инициатив»"


async def revise(client: httpx.AsyncClient, rid: int, reason: str = "Сроки сорваны", **headers: str) -> httpx.Response:
    return await client.post(f"/v1/roadmaps/{rid}/revisions", json={"reason": reason}, headers={**FEDERAL, **headers})


async def patch(client: httpx.AsyncClient, tid: int, **body: Any) -> dict[str, Any]:
    response = await client.patch(f"/v1/tasks/{tid}", json=body, headers=FEDERAL)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def figure(client: httpx.AsyncClient, path: str, as_of: str) -> dict[str, Any]:
    response = await client.get(path, params={"as_of": as_of}, headers=FEDERAL)
    assert response.status_code == 200, response.text
    return dict(response.json())


def counts(f: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        f[k]
        for k in ("due", "completed_on_time", "completed_late", "overdue", "cancelled_after_approval", "execution_pct")
    )


class TestOpeningARevision:
    async def test_only_an_approved_roadmap_is_revised(
        self, make_roadmap: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        rid = (await make_roadmap(kpis=[KPI]))["id"]
        draft = await revise(client, rid)
        assert draft.status_code == 409 and draft.json()["reason"] == "roadmap_not_approved"
        approved = await approve(rid, approved_by_governor=GOVERNOR, approved_by_agency=AGENCY)
        assert (approved["plan_version"], approved["draft_version"]) == (1, None)
        assert (approved["approved_by_governor"], approved["approved_by_agency"]) == (GOVERNOR, AGENCY)
        locked = await client.put(f"/v1/roadmaps/{rid}/kpis", json={"kpis": [{**KPI, "target": 70}]}, headers=FEDERAL)
        assert locked.status_code == 409 and "revisions" in locked.json()["detail"]

        opened = await revise(client, rid, "КПЭ не достигнут: цель пересмотрена")
        assert opened.status_code == 201, opened.text
        assert opened.headers["location"] == f"/v1/roadmaps/{rid}/versions/2"
        assert opened.json()["version"] == 2 and opened.json()["status"] == "draft"
        assert opened.json()["reason"] == "КПЭ не достигнут: цель пересмотрена"
        roadmap = (await client.get(f"/v1/roadmaps/{rid}", headers=FEDERAL)).json()
        assert (roadmap["status"], roadmap["plan_version"], roadmap["draft_version"]) == ("approved", 1, 2)
        assert opened.headers["etag"] == f'W/"{roadmap["version"]}"'
        again = await revise(client, rid)
        assert again.status_code == 409 and again.json()["reason"] == "revision_open"

        # In the revision KPIs and measures change; version 1 keeps what was approved.
        assert (
            await client.put(f"/v1/roadmaps/{rid}/kpis", json={"kpis": [{**KPI, "target": 70}]}, headers=FEDERAL)
        ).status_code == 200
        measure = {"problem": "Очереди", "solution": "Запись через ЕПГУ"}
        assert (await client.post(f"/v1/roadmaps/{rid}/measures", json=measure, headers=FEDERAL)).status_code == 201
        v1 = (await client.get(f"/v1/roadmaps/{rid}/versions/1", headers=FEDERAL)).json()
        assert v1["frozen"] is True and v1["kpis"][0]["target"] == "75" and v1["measures"] == []
        preview = (await client.get(f"/v1/roadmaps/{rid}/versions/2", headers=FEDERAL)).json()
        assert preview["frozen"] is False and preview["kpis"][0]["target"] == "70"

        second = await approve(rid, approved_by_governor=GOVERNOR, approved_by_agency=AGENCY)
        assert (second["status"], second["plan_version"], second["draft_version"]) == ("approved", 2, None)
        versions = (await client.get(f"/v1/roadmaps/{rid}/versions", headers=FEDERAL)).json()
        assert [(v["version"], v["status"], v["reason"]) for v in versions] == [
            (1, "superseded", None),
            (2, "approved", "КПЭ не достигнут: цель пересмотрена"),
        ]
        assert all(v["approved_at"] and v["approved_by_agency"] == AGENCY for v in versions)
        v2 = (await client.get(f"/v1/roadmaps/{rid}/versions/2", headers=FEDERAL)).json()
        assert v2["frozen"] is True and v2["kpis"][0]["target"] == "70" and len(v2["measures"]) == 1
        assert (await client.get(f"/v1/roadmaps/{rid}/versions/3", headers=FEDERAL)).status_code == 404

    async def test_who_may_revise(self, make_roadmap: Any, client: httpx.AsyncClient, approve: Approve) -> None:
        rid = (await make_roadmap())["id"]
        await approve(rid)
        assert (await revise(client, rid, **MUR_ANALYST)).status_code == 403
        foreign, absent = await revise(client, rid, **KYA_ADMIN), await revise(client, 987654)
        assert foreign.status_code == absent.status_code == 404
        assert foreign.json().keys() == absent.json().keys()
        assert (await revise(client, rid, **MUR_ADMIN)).status_code == 201
        assert (
            await client.post(f"/v1/roadmaps/{rid}/revisions", json={"reason": ""}, headers=FEDERAL)
        ).status_code == 422
        stale = await revise(client, rid, **{"If-Match": 'W/"1"'})
        assert stale.status_code == 409

    async def test_life_cycle_with_revisions_and_scaled(
        self, make_roadmap: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        rid = (await make_roadmap())["id"]
        await approve(rid)

        async def status(value: str, **extra: str) -> httpx.Response:
            return await client.post(f"/v1/roadmaps/{rid}/status", json={"status": value, **extra}, headers=FEDERAL)

        assert (await status("in_progress")).status_code == 200
        assert (await revise(client, rid)).status_code == 201
        pending = await status("completed")
        assert pending.status_code == 409 and pending.json()["reason"] == "revision_open"
        assert (await status("in_progress", approved_by_governor=GOVERNOR)).status_code == 422
        revised = await status("approved", approved_by_governor=GOVERNOR)
        assert revised.status_code == 200 and revised.json()["status"] == "in_progress"
        assert revised.json()["plan_version"] == 2
        assert (await status("approved")).status_code == 409  # nothing open to approve
        assert (await status("completed")).status_code == 200
        assert (await revise(client, rid)).json()["reason"] == "roadmap_completed"
        scaled = await status("scaled")
        assert scaled.status_code == 200 and scaled.json()["status"] == "scaled"
        assert (await status("completed")).status_code == 409

    async def test_everything_is_in_the_journal(
        self, make_roadmap: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        rid = (await make_roadmap())["id"]
        await approve(rid, approved_by_governor=GOVERNOR, approved_by_agency=AGENCY, approval_document="№ 1-РГ")
        await revise(client, rid, "Новые меры", **MUR_ADMIN)
        await approve(rid, MUR_ADMIN, approved_by_governor=GOVERNOR)
        journal = (await client.get(f"/v1/roadmaps/{rid}/journal", headers=FEDERAL)).json()["items"]
        entries = {(e["entity"], e["action"], e["field"]): (e["before"], e["after"], e["actor"]) for e in journal}
        assert entries[("version", "revision_opened", "reason")] == (None, "Новые меры", "mur-admin")
        assert entries[("version", "revision_opened", "draft_version")] == (None, 2, "mur-admin")
        approvals = [e for e in journal if e["entity"] == "version" and e["action"] == "approved"]
        assert {(e["field"], e["after"]) for e in approvals} >= {
            ("plan_version", 1),
            ("plan_version", 2),
            ("approved_by_governor", GOVERNOR),
            ("approved_by_agency", AGENCY),
            ("approval_document", "№ 1-РГ"),
        }


class TestHistory:
    async def test_each_date_against_the_version_in_force(
        self,
        make_roadmap: Any,
        make_task: Any,
        client: httpx.AsyncClient,
        approve: Approve,
        clock: FixedClock,
    ) -> None:
        """Version 1, approved 2025-02-01: A due 03-31 (done 03-20), B due 04-30 (cancelled 04-10),
        C due 05-31 (open). Revision opened 2025-07-01 and approved 2025-07-05: B dropped, C moved to
        09-30, D added due 08-31 (done 08-30)."""
        clock.set("2025-01-20")
        rid = (await make_roadmap())["id"]
        a = (await make_task(rid, due_date="2025-03-31"))["id"]
        b = (await make_task(rid, due_date="2025-04-30"))["id"]
        c = (await make_task(rid, due_date="2025-05-31", start_date="2025-02-01"))["id"]
        clock.set("2025-02-01")
        await approve(rid)
        clock.set("2025-03-20")
        await patch(client, a, status="done", completed_on="2025-03-20")
        clock.set("2025-04-10")
        await patch(client, b, status="cancelled")
        execution, region = f"/v1/roadmaps/{rid}/execution", "/v1/regions/RU-MUR/execution"
        june = await figure(client, execution, "2025-06-30")
        assert counts(june) == (3, 1, 0, 2, 1, 33.33) and june["plan_version"] == 1

        clock.set("2025-07-01")
        assert (await revise(client, rid, "Сроки C сорваны")).status_code == 201
        await patch(client, c, due_date="2025-09-30")
        d = (await make_task(rid, due_date="2025-08-31"))["id"]
        # While the revision is open, version 1 still measures: nothing changes.
        assert counts(await figure(client, execution, "2025-06-30")) == counts(june)
        assert counts(await figure(client, execution, "2025-07-02")) == (3, 1, 0, 2, 1, 33.33)
        clock.set("2025-07-05")
        await approve(rid)
        clock.set("2025-08-30")
        await patch(client, d, status="done", completed_on="2025-08-30")

        # Before the revision's approval: version 1, B still due and cancelled, C overdue.
        assert counts(await figure(client, execution, "2025-06-30")) == (3, 1, 0, 2, 1, 33.33)
        assert counts(await figure(client, execution, "2025-07-04")) == (3, 1, 0, 2, 1, 33.33)
        # From its approval: version 2 — A done, C and D not yet due.
        on_approval = await figure(client, execution, "2025-07-05")
        assert counts(on_approval) == (1, 1, 0, 0, 0, 100.0) and on_approval["plan_version"] == 2
        october = await figure(client, execution, "2025-10-01")
        assert counts(october) == (3, 2, 0, 1, 0, 66.67)
        for day, expected in (("2025-06-30", (3, 1, 0, 2, 1, 33.33)), ("2025-10-01", (3, 2, 0, 1, 0, 66.67))):
            assert counts((await figure(client, region, day))["total"]) == expected

        # Deviations compare with the version in force on the date asked for.
        june_dev = await figure(client, f"/v1/roadmaps/{rid}/deviations", "2025-06-30")
        assert june_dev["plan_version"] == 1
        assert {r["task_id"]: (r["reschedule_days"], r["delay_days"]) for r in june_dev["items"]} == {
            a: (0, -11),  # done 11 days early
            b: (0, 61),  # cancelled, open since its approved 04-30
            c: (122, 30),  # moved 05-31 → 09-30, 30 days past its approved date
        }
        october_dev = await figure(client, f"/v1/roadmaps/{rid}/deviations", "2025-10-01")
        assert october_dev["plan_version"] == 2
        assert {r["task_id"]: (r["reschedule_days"], r["delay_days"]) for r in october_dev["items"]} == {
            a: (0, -11),
            c: (0, 1),
            d: (0, -1),
        }
        tasks = {t["id"]: t for t in (await client.get(f"/v1/roadmaps/{rid}/tasks", headers=FEDERAL)).json()["items"]}
        assert (tasks[c]["baseline_due_date"], tasks[d]["in_approved_plan"], tasks[b]["in_approved_plan"]) == (
            "2025-09-30",
            True,
            False,
        )
        detail = (await client.get(f"/v1/roadmaps/{rid}/versions/2", headers=FEDERAL)).json()
        assert detail["effective_from"] == "2025-07-05"
        assert [(t["task_id"], t["due_date"], t["measured"]) for t in detail["tasks"]] == [
            (a, "2025-03-31", True),
            (c, "2025-09-30", True),
            (d, "2025-08-31", True),
        ]

    async def test_the_approval_date_is_the_regions(
        self, make_roadmap: Any, client: httpx.AsyncClient, approve: Approve, clock: FixedClock
    ) -> None:
        """23:30 UTC on 31 January is already 1 February in Krasnoyarsk (UTC+7)."""
        clock.now = clock.now.replace(year=2025, month=1, day=31, hour=23, minute=30)
        rid = (await make_roadmap("RU-KYA"))["id"]
        await approve(rid)
        versions = (await client.get(f"/v1/roadmaps/{rid}/versions", headers=FEDERAL)).json()
        assert versions[0]["effective_from"] == "2025-02-01"
