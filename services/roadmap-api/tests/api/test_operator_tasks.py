"""The polyclinic's own hand on tasks (issue 15 item 2): the organisation that carries a task out,
several responsible bodies, and ongoing and yearly activities with their execution rule."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from zdrav_shared.testing import auth

from .conftest import FEDERAL, GP1_OPERATOR, GP2_OPERATOR, MUR_ADMIN, Approve, FixedClock

MUR_OPERATOR = auth(["mo_operator"], ["RU-MUR"], sub="mur-operator")
CITY_OPERATOR = auth(["mo_operator"], ["RU-MUR-MUR"], sub="city-operator")
KYA_OPERATOR = auth(["mo_operator"], ["KYA-GP1"], sub="kya-operator")
GP1_ANALYST = auth(["analyst"], ["MUR-GP1"], sub="gp1-analyst")


async def patch(client: httpx.AsyncClient, tid: int, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.patch(f"/v1/tasks/{tid}", json=body, headers=headers)


@pytest.fixture
async def tasks(make_roadmap: Any, make_task: Any) -> dict[str, int]:
    rid = (await make_roadmap())["id"]
    return {
        "roadmap": rid,
        "gp1": (await make_task(rid, org_unit_code="MUR-GP1"))["id"],
        "gp2": (await make_task(rid, org_unit_code="MUR-GP2"))["id"],
        "ministry": (await make_task(rid))["id"],
    }


class TestTheOperatorsOwnTasks:
    async def test_status_dates_and_metrics_of_its_own_task(
        self, client: httpx.AsyncClient, tasks: dict[str, int]
    ) -> None:
        tid = tasks["gp1"]
        assert (await client.get(f"/v1/tasks/{tid}", headers=GP1_OPERATOR)).status_code == 200
        started = await patch(client, tid, GP1_OPERATOR, status="in_progress", due_date="2025-04-15")
        assert started.status_code == 200, started.text
        measured = await patch(client, tid, GP1_OPERATOR, progress_pct=40, actual_result="Обучено 12 из 30")
        assert (measured.json()["progress_pct"], measured.json()["actual_result"]) == (40, "Обучено 12 из 30")
        finished = await patch(client, tid, GP1_OPERATOR, status="done", completed_on="2025-04-10")
        assert finished.json()["status"] == "done"
        comment = await client.post(f"/v1/tasks/{tid}/comments", json={"text": "Готово"}, headers=GP1_OPERATOR)
        assert comment.status_code == 201 and comment.json()["author"] == "gp1-operator"
        journal = (await client.get(f"/v1/tasks/{tid}/journal", headers=GP1_OPERATOR)).json()["items"]
        assert {e["field"] for e in journal if e["actor"] == "gp1-operator"} >= {
            "status",
            "due_date",
            "progress_pct",
            "actual_result",
            "completed_on",
        }

    @pytest.mark.parametrize(
        "body",
        [
            {"title": "Другое"},
            {"responsible": "Поликлиника"},
            {"responsible_bodies": ["Поликлиника"]},
            {"co_assignees": []},
            {"expected_result": "x"},
            {"org_unit_code": "MUR-GP2"},
            {"parent_id": None},
            {"recurrence": "yearly"},
            {"status": "in_progress", "title": "Другое"},
        ],
    )
    async def test_nothing_else(self, client: httpx.AsyncClient, tasks: dict[str, int], body: dict[str, Any]) -> None:
        response = await patch(client, tasks["gp1"], GP1_OPERATOR, **body)
        assert response.status_code == 403, response.text
        problem = response.json()
        assert problem["reason"] == "operator_fields"
        assert [e["pointer"] for e in problem["errors"]] == [f"/{k}" for k in sorted(body) if k != "status"]
        assert (await client.get(f"/v1/tasks/{tasks['gp1']}", headers=FEDERAL)).json()["version"] == 1

    async def test_other_tasks_are_not_found(self, client: httpx.AsyncClient, tasks: dict[str, int]) -> None:
        absent = await client.get("/v1/tasks/987654", headers=GP1_OPERATOR)
        for other in ("gp2", "ministry"):
            for response in (
                await client.get(f"/v1/tasks/{tasks[other]}", headers=GP1_OPERATOR),
                await patch(client, tasks[other], GP1_OPERATOR, status="in_progress"),
                await client.post(f"/v1/tasks/{tasks[other]}/comments", json={"text": "x"}, headers=GP1_OPERATOR),
            ):
                assert response.status_code == 404
                assert response.json().keys() == absent.json().keys()
                assert response.json()["type"] == absent.json()["type"]
        # The roadmap itself belongs to the region: not the polyclinic's to see.
        assert (await client.get(f"/v1/roadmaps/{tasks['roadmap']}", headers=GP1_OPERATOR)).status_code == 404
        assert (await patch(client, tasks["gp1"], KYA_OPERATOR, status="in_progress")).status_code == 404
        assert (await patch(client, tasks["gp2"], GP2_OPERATOR, status="in_progress")).status_code == 200

    async def test_scope_above_the_org_unit_covers_it(self, client: httpx.AsyncClient, tasks: dict[str, int]) -> None:
        assert (await patch(client, tasks["gp1"], CITY_OPERATOR, status="in_progress")).status_code == 200
        assert (await patch(client, tasks["gp2"], MUR_OPERATOR, status="in_progress")).status_code == 200
        # The region's operator sees the ministry's own task, but it is no organisation's to change.
        assert (await client.get(f"/v1/tasks/{tasks['ministry']}", headers=MUR_OPERATOR)).status_code == 200
        refused = await patch(client, tasks["ministry"], MUR_OPERATOR, status="in_progress")
        assert refused.status_code == 403 and "no org unit" in refused.json()["detail"]

    async def test_readers_of_the_org_unit_do_not_write(self, client: httpx.AsyncClient, tasks: dict[str, int]) -> None:
        assert (await client.get(f"/v1/tasks/{tasks['gp1']}", headers=GP1_ANALYST)).status_code == 200
        assert (await patch(client, tasks["gp1"], GP1_ANALYST, status="in_progress")).status_code == 403

    async def test_the_hand_moves_with_the_org_unit(self, client: httpx.AsyncClient, tasks: dict[str, int]) -> None:
        moved = await patch(client, tasks["gp1"], MUR_ADMIN, org_unit_code="MUR-GP2")
        assert moved.status_code == 200 and moved.json()["org_unit_code"] == "MUR-GP2"
        assert (await client.get(f"/v1/tasks/{tasks['gp1']}", headers=GP1_OPERATOR)).status_code == 404
        assert (await patch(client, tasks["gp1"], GP2_OPERATOR, status="in_progress")).status_code == 200
        foreign = await patch(client, tasks["gp1"], MUR_ADMIN, org_unit_code="KYA-GP1")
        assert foreign.status_code == 422 and foreign.json()["errors"][0]["pointer"] == "/org_unit_code"

    async def test_a_completed_roadmap_is_closed_to_everyone(
        self, client: httpx.AsyncClient, tasks: dict[str, int], approve: Approve
    ) -> None:
        rid = tasks["roadmap"]
        await approve(rid)
        for step in ("in_progress", "completed"):
            await client.post(f"/v1/roadmaps/{rid}/status", json={"status": step}, headers=FEDERAL)
        assert (await patch(client, tasks["gp1"], GP1_OPERATOR, status="in_progress")).status_code == 409


class TestResponsibleBodies:
    async def test_a_list_beside_the_contracts_label(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        rid = (await make_roadmap())["id"]
        single = await make_task(rid, responsible="Министерство здравоохранения Мурманской области")
        assert single["responsible_bodies"] == ["Министерство здравоохранения Мурманской области"]
        bodies = ["Министерство здравоохранения Мурманской области", "Министерство строительства Мурманской области"]
        several = await make_task(rid, responsible=", ".join(bodies), responsible_bodies=bodies)
        assert (several["responsible"], several["responsible_bodies"]) == (", ".join(bodies), bodies)
        changed = await patch(client, several["id"], FEDERAL, responsible_bodies=bodies[:1])
        assert changed.json()["responsible_bodies"] == bodies[:1]
        assert (await patch(client, several["id"], FEDERAL, responsible_bodies=[])).status_code == 422
        assert (await patch(client, several["id"], FEDERAL, responsible_bodies=None)).status_code == 422


class TestRecurringTasks:
    async def test_an_ongoing_activity_is_confirmed_quarter_by_quarter(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, clock: FixedClock
    ) -> None:
        """«На постоянной основе» over 2025: four quarters. As of 2025-06-30 Q1 (reported 03-28) and
        Q2 (not reported) are due: 1 of 2. Reported late on 07-05, Q2 is late as of 07-31."""
        rid = (await make_roadmap())["id"]
        tid = (
            await make_task(
                rid, start_date="2025-01-01", due_date="2025-12-31", recurrence="ongoing", org_unit_code="MUR-GP1"
            )
        )["id"]
        listed = (await client.get(f"/v1/tasks/{tid}/reports", headers=FEDERAL)).json()
        assert listed["recurrence"] == "ongoing"
        assert [(i["period"], i["due_date"], i["completed_on"]) for i in listed["items"]] == [
            ("2025Q1", "2025-03-31", None),
            ("2025Q2", "2025-06-30", None),
            ("2025Q3", "2025-09-30", None),
            ("2025Q4", "2025-12-31", None),
        ]
        url = f"/v1/tasks/{tid}/reports"
        first = await client.put(f"{url}/2025Q1", json={"completed_on": "2025-03-20"}, headers=GP1_OPERATOR)
        assert first.status_code == 201, first.text
        corrected = await client.put(
            f"{url}/2025Q1", json={"completed_on": "2025-03-28", "note": "n = 412"}, headers=GP1_OPERATOR
        )
        assert corrected.status_code == 200 and corrected.json()["reported_by"] == "gp1-operator"
        journal = (await client.get(f"/v1/tasks/{tid}/journal", headers=FEDERAL)).json()["items"]
        assert ("completed_on", "2025-03-20", "2025-03-28") in {
            (e["field"], e["before"], e["after"]) for e in journal if e["entity"] == "report"
        }
        figure = (await client.get(f"/v1/roadmaps/{rid}/execution?as_of=2025-06-30", headers=FEDERAL)).json()
        assert (figure["due"], figure["completed_on_time"], figure["overdue"], figure["execution_pct"]) == (
            2,
            1,
            1,
            50.0,
        )
        clock.set("2025-07-05")
        assert (
            await client.put(f"{url}/2025Q2", json={"completed_on": "2025-07-05"}, headers=GP1_OPERATOR)
        ).status_code == 201
        figure = (await client.get(f"/v1/roadmaps/{rid}/execution?as_of=2025-07-31", headers=FEDERAL)).json()
        assert (figure["due"], figure["completed_on_time"], figure["completed_late"], figure["execution_pct"]) == (
            2,
            1,
            1,
            100.0,
        )
        future = await client.put(f"{url}/2025Q3", json={"completed_on": "2025-07-06"}, headers=FEDERAL)
        assert future.status_code == 422 and future.json()["errors"][0]["pointer"] == "/completed_on"
        missing = await client.put(f"{url}/2026Q1", json={"completed_on": "2025-07-01"}, headers=FEDERAL)
        assert missing.status_code == 422 and missing.json()["errors"][0]["pointer"] == "/path/period"
        assert (
            await client.put(f"{url}/2025Q5", json={"completed_on": "2025-07-01"}, headers=FEDERAL)
        ).status_code == 422
        assert (
            await client.put(f"{url}/2025-04", json={"completed_on": "2025-07-01"}, headers=FEDERAL)
        ).status_code == 422
        # Closing the activity confirms no quarter: as of 2025-10-31 Q3 is still overdue.
        clock.set("2025-10-01")
        assert (await patch(client, tid, FEDERAL, status="done", completed_on="2025-10-01")).status_code == 200
        figure = (await client.get(f"/v1/roadmaps/{rid}/execution?as_of=2025-10-31", headers=FEDERAL)).json()
        assert (figure["due"], figure["overdue"]) == (3, 1)

    async def test_a_yearly_activity_is_due_every_year(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve, clock: FixedClock
    ) -> None:
        """The Murmansk territorial programme: «ежегодно» from 01.01.2021 to the end of 2025 — five
        years due on 31 December. Approved, with 2021–2023 reported (2022 late): as of 2024-12-31
        4 due, 3 completed (2 on time, 1 late), 75 %."""
        clock.set("2021-01-10")
        rid = (await make_roadmap())["id"]
        tid = (await make_task(rid, start_date="2021-01-01", due_date="2025-12-31", recurrence="yearly"))["id"]
        await approve(rid)
        clock.set("2025-01-15")
        for period, day in (("2021", "2021-12-20"), ("2022", "2023-01-12"), ("2023", "2023-12-28")):
            answer = await client.put(f"/v1/tasks/{tid}/reports/{period}", json={"completed_on": day}, headers=FEDERAL)
            assert answer.status_code == 201, answer.text
        periods = [i["period"] for i in (await client.get(f"/v1/tasks/{tid}/reports", headers=FEDERAL)).json()["items"]]
        assert periods == ["2021", "2022", "2023", "2024", "2025"]
        figure = (await client.get(f"/v1/roadmaps/{rid}/execution?as_of=2024-12-31", headers=FEDERAL)).json()
        assert (figure["plan_version"], figure["due"], figure["completed_on_time"], figure["completed_late"]) == (
            1,
            4,
            2,
            1,
        )
        assert figure["execution_pct"] == 75.0
        version = (await client.get(f"/v1/roadmaps/{rid}/versions/1", headers=FEDERAL)).json()
        assert [o["due_date"] for o in version["tasks"][0]["occurrences"]][-1] == "2025-12-31"
        quarter = await client.put(
            f"/v1/tasks/{tid}/reports/2024Q4", json={"completed_on": "2024-12-20"}, headers=FEDERAL
        )
        assert quarter.status_code == 422

    async def test_a_one_off_task_has_no_periods(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        tid = (await make_task((await make_roadmap())["id"]))["id"]
        assert (await client.get(f"/v1/tasks/{tid}/reports", headers=FEDERAL)).json()["items"] == []
        refused = await client.put(
            f"/v1/tasks/{tid}/reports/2025Q1", json={"completed_on": "2025-03-01"}, headers=FEDERAL
        )
        assert refused.status_code == 409 and refused.json()["reason"] == "not_recurring"
