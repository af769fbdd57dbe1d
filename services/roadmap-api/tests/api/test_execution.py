"""Plan execution through the API: the contract's figure with hand-computed numbers, and the rules
that keep it from being gamed (approved due dates, cancelled after approval, leaves only, drafts out
of the region's figures)."""

from __future__ import annotations

from typing import Any

import httpx

from zdrav_shared.testing import auth

from .conftest import GP1_OPERATOR, Approve

FEDERAL = auth(["federal"], ["RU"])
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"])
SERVICE = auth(["service"], ["RU"], sub="service:kpi-api")


async def patch(client: httpx.AsyncClient, task_id: int, headers: dict[str, str] | None = None, **body: Any) -> Any:
    response = await client.patch(f"/v1/tasks/{task_id}", json=body, headers=headers or FEDERAL)
    assert response.status_code == 200, response.text
    return response.json()


async def done(client: httpx.AsyncClient, task_id: int, completed_on: str) -> None:
    """Straight from planned to done: the contract allows it."""
    await patch(client, task_id, status="done", completed_on=completed_on)


async def execution(client: httpx.AsyncClient, rid: int, as_of: str) -> dict[str, Any]:
    response = await client.get(f"/v1/roadmaps/{rid}/execution", params={"as_of": as_of}, headers=SERVICE)
    assert response.status_code == 200, response.text
    return dict(response.json())


def counts(figure: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("due", "completed_on_time", "completed_late", "overdue", "cancelled_after_approval", "execution_pct")
    return tuple(figure[k] for k in keys)


async def hand_built(
    make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve | None = None
) -> tuple[int, dict[str, int]]:
    """On time, late, overdue, cancelled, completed after as_of, and not yet due. With ``approve``
    the roadmap is approved before anything is completed or cancelled."""
    rid = (await make_roadmap())["id"]
    ids = {}
    ids["on_time"] = (await make_task(rid, due_date="2025-03-31", responsible="A"))["id"]
    ids["late"] = (await make_task(rid, due_date="2025-03-31", responsible="A"))["id"]
    ids["overdue"] = (await make_task(rid, due_date="2025-04-15", responsible="B", org_unit_code="MUR-GP1"))["id"]
    ids["cancelled"] = (await make_task(rid, due_date="2025-04-01", responsible="B"))["id"]
    ids["later_done"] = (await make_task(rid, due_date="2025-04-20", responsible="B"))["id"]
    ids["not_due"] = (await make_task(rid, due_date="2025-06-30", responsible="A"))["id"]
    if approve is not None:
        await approve(rid)
    await done(client, ids["on_time"], "2025-03-20")
    await done(client, ids["late"], "2025-04-10")
    await done(client, ids["later_done"], "2025-05-05")
    await patch(client, ids["cancelled"], status="cancelled")
    return rid, ids


class TestWorkingPlan:
    """A roadmap never approved is measured on its working plan: cancelled tasks left out."""

    async def test_hand_built_draft(self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> None:
        rid, _ = await hand_built(make_roadmap, make_task, client)
        assert await execution(client, rid, "2025-04-30") == {
            "as_of": "2025-04-30",
            "due": 4,
            "completed_on_time": 1,
            "completed_late": 1,
            "overdue": 2,  # one never done, one done only after as_of
            "cancelled_after_approval": 0,
            "execution_pct": 50.0,
            "threshold_pct": 90.0,
            "meets_threshold": False,
            "plan_version": None,
        }
        later = await execution(client, rid, "2025-05-31")
        assert (later["due"], later["completed_late"], later["overdue"], later["execution_pct"]) == (4, 2, 1, 75.0)
        early = await execution(client, rid, "2025-03-31")
        assert counts(early) == (2, 1, 0, 1, 0, 50.0)

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
        foreign = await client.get(f"/v1/roadmaps/{rid}/execution", headers=KYA_ADMIN)
        absent = await client.get("/v1/roadmaps/9999/execution", headers=FEDERAL)
        assert foreign.status_code == absent.status_code == 404
        assert (await client.get(f"/v1/roadmaps/{rid}/execution", headers=FEDERAL)).status_code == 200


class TestApprovedPlan:
    async def test_hand_built_approved(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        """Approved before the work: the task cancelled afterwards stays due, not completed. As of
        2025-04-30: due 5 (on_time, late, overdue, cancelled, later_done), 1 on time, 1 late, 3
        overdue of which 1 cancelled: 2 ÷ 5 = 40 %."""
        rid, _ = await hand_built(make_roadmap, make_task, client, approve)
        figure = await execution(client, rid, "2025-04-30")
        assert counts(figure) == (5, 1, 1, 3, 1, 40.0)
        assert figure["plan_version"] == 1 and figure["meets_threshold"] is False
        # 2025-05-31: later_done completed late (05-05): 3 ÷ 5 = 60 %.
        assert counts(await execution(client, rid, "2025-05-31")) == (5, 1, 2, 2, 1, 60.0)

    async def test_moving_an_overdue_due_date_later_changes_nothing(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        rid = (await make_roadmap())["id"]
        finished = (await make_task(rid, due_date="2025-03-31"))["id"]
        late = (await make_task(rid, due_date="2025-03-31"))["id"]
        await approve(rid)
        await done(client, finished, "2025-03-30")
        assert counts(await execution(client, rid, "2025-04-30")) == (2, 1, 0, 1, 0, 50.0)
        moved = await patch(client, late, due_date="2025-12-31")
        assert (moved["due_date"], moved["baseline_due_date"]) == ("2025-12-31", "2025-03-31")
        assert counts(await execution(client, rid, "2025-04-30")) == (2, 1, 0, 1, 0, 50.0)
        # Done on its new date, it is late against the approved one.
        await done(client, late, "2025-04-20")
        assert counts(await execution(client, rid, "2025-04-30")) == (2, 1, 1, 0, 0, 100.0)

    async def test_cancelling_an_overdue_task_keeps_it_due(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        rid = (await make_roadmap())["id"]
        finished = (await make_task(rid, due_date="2025-03-31"))["id"]
        dropped = (await make_task(rid, due_date="2025-03-31"))["id"]
        await approve(rid)
        await done(client, finished, "2025-03-30")
        cancelled = await patch(client, dropped, status="cancelled")
        assert cancelled["cancelled_on"] is not None and cancelled["in_approved_plan"] is True
        figure = await execution(client, rid, "2025-04-30")
        assert counts(figure) == (2, 1, 0, 1, 1, 50.0)
        assert figure["meets_threshold"] is False

    async def test_only_leaves_count(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        """An activity with two subtasks counts as those two; a task added after approval counts
        only once a revision with it is approved."""
        rid = (await make_roadmap())["id"]
        activity = (await make_task(rid, due_date="2025-06-30"))["id"]
        first = (await make_task(rid, parent_id=activity, due_date="2025-03-31"))["id"]
        second = (await make_task(rid, parent_id=activity, due_date="2025-04-30"))["id"]
        await approve(rid)
        await done(client, first, "2025-03-31")
        await done(client, activity, "2025-03-31")  # marking the parent done proves nothing
        assert counts(await execution(client, rid, "2025-06-30")) == (2, 1, 0, 1, 0, 50.0)
        extra = await client.post(
            f"/v1/roadmaps/{rid}/tasks",
            json={
                "title": "Сделано сразу",
                "parent_id": second,
                "start_date": "2025-01-10",
                "due_date": "2025-02-01",
                "responsible": "МЗ",
            },
            headers=FEDERAL,
        )
        assert extra.status_code == 201 and extra.json()["in_approved_plan"] is False
        await done(client, extra.json()["id"], "2025-02-01")
        assert counts(await execution(client, rid, "2025-06-30")) == (2, 1, 0, 1, 0, 50.0)

    async def test_the_contract_figure_equals_the_working_plan_at_approval(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        """The SQL over a frozen plan and the rules over the working plan agree on the same tasks."""
        rid, _ = await hand_built(make_roadmap, make_task, client)
        dates = ("2025-03-30", "2025-03-31", "2025-04-15", "2025-04-30", "2025-05-05", "2025-12-31")
        before = [await execution(client, rid, day) for day in dates]
        await approve(rid)
        after = [await execution(client, rid, day) for day in dates]
        assert [{**f, "plan_version": None} for f in after] == before


class TestStatusRules:
    async def test_planned_straight_to_done_and_reopen_to_in_progress_only(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        tid = (await make_task((await make_roadmap())["id"]))["id"]
        await done(client, tid, "2025-03-01")
        for illegal in ("planned", "cancelled"):
            response = await client.patch(f"/v1/tasks/{tid}", json={"status": illegal}, headers=FEDERAL)
            assert response.status_code == 409 and response.json()["reason"] == "illegal_task_transition"
        reopened = await patch(client, tid, status="in_progress")
        assert (reopened["status"], reopened["completed_on"]) == ("in_progress", None)
        await patch(client, tid, status="planned")
        cancelled = await patch(client, tid, status="cancelled")
        assert cancelled["cancelled_on"] is not None
        refused = await client.patch(
            f"/v1/tasks/{tid}", json={"status": "done", "completed_on": "2025-03-01"}, headers=FEDERAL
        )
        assert refused.status_code == 409
        assert (await patch(client, tid, status="in_progress"))["cancelled_on"] is None

    async def test_cancelling_an_activity_cancels_its_open_subtasks(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        rid = (await make_roadmap())["id"]
        activity = (await make_task(rid))["id"]
        open_task = (await make_task(rid, parent_id=activity))["id"]
        finished = (await make_task(rid, parent_id=activity))["id"]
        await done(client, finished, "2025-03-01")
        await patch(client, activity, status="cancelled")
        tasks = {
            t["id"]: t["status"]
            for t in (await client.get(f"/v1/roadmaps/{rid}/tasks", headers=FEDERAL)).json()["items"]
        }
        assert tasks == {activity: "cancelled", open_task: "cancelled", finished: "done"}
        journal = (await client.get(f"/v1/tasks/{open_task}/journal", headers=FEDERAL)).json()["items"]
        assert any(
            e["action"] == "cancelled_with" and e["field"] == "cancelled_with" and e["after"] == activity
            for e in journal
        )
        under = await client.post(
            f"/v1/roadmaps/{rid}/tasks",
            json={
                "title": "x",
                "parent_id": activity,
                "start_date": "2025-01-01",
                "due_date": "2025-02-01",
                "responsible": "r",
            },
            headers=FEDERAL,
        )
        assert under.status_code == 422 and under.json()["errors"][0]["pointer"] == "/parent_id"


class TestRegionExecution:
    async def test_region_total_is_a_ratio_of_sums_over_approved_roadmaps(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        """Approved: the hand-built roadmap (5 due, 2 completed as of 04-30) and a second one (1 due,
        1 completed), and an empty approved one. A draft with an overdue task and a RU-KYA roadmap
        stay out. Total: 6 due, 3 completed = 50 %."""
        rid, _ = await hand_built(make_roadmap, make_task, client, approve)
        second = (await make_roadmap(title="second"))["id"]
        second_task = (await make_task(second, due_date="2025-04-01"))["id"]
        await approve(second)
        await done(client, second_task, "2025-04-01")
        empty = (await make_roadmap(title="empty"))["id"]
        await approve(empty)
        draft = (await make_roadmap(title="draft"))["id"]
        await make_task(draft, due_date="2025-01-31")
        await make_roadmap("RU-KYA")
        response = await client.get("/v1/regions/RU-MUR/execution", params={"as_of": "2025-04-30"}, headers=SERVICE)
        assert response.status_code == 200
        data = response.json()
        per = {r["roadmap_id"]: r for r in data["roadmaps"]}
        assert set(per) == {rid, second, empty}
        alone = await execution(client, rid, "2025-04-30")
        del alone["plan_version"]
        assert {k: v for k, v in per[rid].items() if k not in {"roadmap_id", "title", "status"}} == alone
        assert per[empty]["due"] == 0 and per[empty]["execution_pct"] is None
        total = data["total"]
        assert counts(total) == (6, 2, 1, 3, 1, 50.0)
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
        # The polyclinic's operator sees the tasks its organisation carries out, and only those.
        own = await client.get("/v1/due-tasks", params=params, headers=GP1_OPERATOR)
        assert [i["task_id"] for i in own.json()["items"]] == [ids["overdue"]]
        assert (await client.get("/v1/due-tasks", params={"within_days": -1}, headers=FEDERAL)).status_code == 422


class TestDeviations:
    async def test_moves_from_the_baseline(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        rid = (await make_roadmap())["id"]
        moved = await make_task(rid, due_date="2025-03-31")
        late = await make_task(rid, due_date="2025-03-31")
        early = await make_task(rid, due_date="2025-03-31")
        steady = await make_task(rid, due_date="2025-03-31")
        await make_task(rid, due_date="2025-12-31")
        none_yet = await client.get(f"/v1/roadmaps/{rid}/deviations", params={"as_of": "2025-04-10"}, headers=FEDERAL)
        assert none_yet.json() == {"roadmap_id": rid, "as_of": "2025-04-10", "plan_version": None, "items": []}
        await approve(rid)
        task = (await client.get(f"/v1/tasks/{moved['id']}", headers=FEDERAL)).json()
        assert task["baseline_due_date"] == "2025-03-31"
        # Dates may still change after approval; they show as deviations from the baseline.
        await patch(client, moved["id"], due_date="2025-04-30")
        await done(client, late["id"], "2025-04-05")
        await done(client, early["id"], "2025-03-25")
        await done(client, steady["id"], "2025-03-31")
        after = await make_task(rid, due_date="2025-02-01")
        assert after["baseline_due_date"] is None and after["in_approved_plan"] is False
        response = await client.get(f"/v1/roadmaps/{rid}/deviations", params={"as_of": "2025-04-10"}, headers=FEDERAL)
        assert response.status_code == 200
        assert response.json()["plan_version"] == 1
        rows = {r["task_id"]: (r["reschedule_days"], r["delay_days"], r["settled"]) for r in response.json()["items"]}
        assert rows == {moved["id"]: (30, 10, False), late["id"]: (0, 5, True), early["id"]: (0, -6, True)}
