from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin")
MUR_OPERATOR = auth(["mo_operator"], ["RU-MUR"])


async def patch(
    client: httpx.AsyncClient, task_id: int, headers: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    return await client.patch(f"/v1/tasks/{task_id}", json=body, headers=headers or FEDERAL)


class TestTree:
    async def test_three_levels_and_no_fourth(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        rid = (await make_roadmap())["id"]
        activity = await make_task(rid)
        task = await make_task(rid, parent_id=activity["id"])
        subtask = await make_task(rid, parent_id=task["id"], co_assignees=["МИАЦ", "ТФОМС"])
        assert [activity["level"], task["level"], subtask["level"]] == ["activity", "task", "subtask"]
        assert subtask["co_assignees"] == ["МИАЦ", "ТФОМС"]
        body = {
            "title": "x",
            "start_date": "2025-01-01",
            "due_date": "2025-02-01",
            "responsible": "r",
            "parent_id": subtask["id"],
        }
        too_deep = await client.post(f"/v1/roadmaps/{rid}/tasks", json=body, headers=FEDERAL)
        assert too_deep.status_code == 422
        assert too_deep.json()["errors"][0]["pointer"] == "/parent_id"
        listed = (await client.get(f"/v1/roadmaps/{rid}/tasks", headers=MUR_OPERATOR)).json()["items"]
        assert [t["id"] for t in listed] == [activity["id"], task["id"], subtask["id"]]

    async def test_cycle_is_422(self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> None:
        rid = (await make_roadmap())["id"]
        activity = await make_task(rid)
        task = await make_task(rid, parent_id=activity["id"])
        response = await patch(client, activity["id"], parent_id=task["id"])
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/parent_id"
        assert response.json()["reason"] == "task_cycle"
        itself = await patch(client, activity["id"], parent_id=activity["id"])
        assert itself.status_code == 422

    async def test_move_recomputes_levels(self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> None:
        rid = (await make_roadmap())["id"]
        a1 = await make_task(rid)
        a2 = await make_task(rid)
        moved = await patch(client, a2["id"], parent_id=a1["id"])
        assert moved.status_code == 200
        assert moved.json()["level"] == "task"
        back = await patch(client, a2["id"], parent_id=None)
        assert back.json()["level"] == "activity"

    async def test_parent_from_another_roadmap_is_422(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        other = await make_task((await make_roadmap())["id"])
        rid = (await make_roadmap())["id"]
        body = {
            "title": "x",
            "start_date": "2025-01-01",
            "due_date": "2025-02-01",
            "responsible": "r",
            "parent_id": other["id"],
        }
        response = await client.post(f"/v1/roadmaps/{rid}/tasks", json=body, headers=FEDERAL)
        assert response.status_code == 422
        missing = await client.post(f"/v1/roadmaps/{rid}/tasks", json={**body, "parent_id": 99999}, headers=FEDERAL)
        assert missing.status_code == 422


class TestDates:
    async def test_due_before_start_is_422(self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> None:
        rid = (await make_roadmap())["id"]
        body = {"title": "x", "start_date": "2025-03-01", "due_date": "2025-02-01", "responsible": "r"}
        response = await client.post(f"/v1/roadmaps/{rid}/tasks", json=body, headers=FEDERAL)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/due_date"
        task = await make_task(rid)
        moved = await patch(client, task["id"], due_date="2024-12-31")
        assert moved.status_code == 422

    @pytest.mark.parametrize(
        "body",
        [
            {"due_date": "2025-02-30"},
            {"due_date": "0001-01-01"},
            {"start_date": "9999-12-31"},
            {"status": "finished"},
            {"title": ""},
            {"responsible": None},
            {"co_assignees": "x"},
            {"unknown": 1},
        ],
    )
    async def test_bad_patches_are_422(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, body: dict[str, Any]
    ) -> None:
        task = await make_task((await make_roadmap())["id"])
        response = await patch(client, task["id"], **body)
        assert response.status_code == 422, response.text

    async def test_org_unit_must_be_in_the_region(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        rid = (await make_roadmap())["id"]
        task = await make_task(rid, org_unit_code="MUR-GP1")
        assert task["org_unit_code"] == "MUR-GP1"
        body = {"title": "x", "start_date": "2025-01-01", "due_date": "2025-02-01", "responsible": "r"}
        for code in ("KYA-GP1", "NOPE"):
            response = await client.post(
                f"/v1/roadmaps/{rid}/tasks", json={**body, "org_unit_code": code}, headers=FEDERAL
            )
            assert response.status_code == 422
            assert response.json()["errors"][0]["pointer"] == "/org_unit_code"


class TestStatus:
    async def test_status_chain_and_completion(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        task = await make_task((await make_roadmap())["id"])
        tid = task["id"]
        assert (await patch(client, tid, status="in_progress")).status_code == 200
        no_date = await patch(client, tid, status="done")
        assert no_date.status_code == 422
        assert no_date.json()["errors"][0]["pointer"] == "/completed_on"
        future = (date.today() + timedelta(days=3)).isoformat()
        assert (await patch(client, tid, status="done", completed_on=future)).status_code == 422
        done = await patch(client, tid, status="done", completed_on="2025-03-01")
        assert done.status_code == 200
        assert done.json()["completed_on"] == "2025-03-01"
        jump = await patch(client, tid, status="cancelled")
        assert jump.status_code == 409
        assert jump.json()["reason"] == "illegal_task_transition"
        reopened = await patch(client, tid, status="in_progress")
        assert reopened.status_code == 200
        assert reopened.json()["completed_on"] is None
        cancelled = await patch(client, tid, status="cancelled")
        assert cancelled.status_code == 200
        assert (await patch(client, tid, status="planned")).status_code == 409

    async def test_completed_on_without_done_is_422(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        task = await make_task((await make_roadmap())["id"])
        assert (await patch(client, task["id"], completed_on="2025-03-01")).status_code == 422

    async def test_stale_if_match_is_409(self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> None:
        task = await make_task((await make_roadmap())["id"])
        first = await patch(client, task["id"], {**FEDERAL, "If-Match": 'W/"1"'}, title="a")
        assert first.status_code == 200
        assert first.headers["etag"] == 'W/"2"'
        stale = await patch(client, task["id"], {**FEDERAL, "If-Match": 'W/"1"'}, title="b")
        assert stale.status_code == 409
        assert (await client.get(f"/v1/tasks/{task['id']}", headers=FEDERAL)).json()["title"] == "a"


class TestJournalAndComments:
    async def test_task_journal(self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient) -> None:
        rid = (await make_roadmap())["id"]
        task = await make_task(rid)
        other = await make_task(rid)
        await patch(client, task["id"], MUR_ADMIN, due_date="2025-04-15", responsible="МИАЦ")
        await patch(client, other["id"], title="other")
        comment = await client.post(
            f"/v1/tasks/{task['id']}/comments", json={"text": "Сдвиг из-за торгов"}, headers=MUR_ADMIN
        )
        assert comment.status_code == 201
        assert comment.json()["author"] == "mur-admin"
        journal = (await client.get(f"/v1/tasks/{task['id']}/journal", headers=MUR_OPERATOR)).json()["items"]
        updates = {(e["field"], e["before"], e["after"]) for e in journal if e["action"] == "updated"}
        assert updates == {("due_date", "2025-03-31", "2025-04-15"), ("responsible", "Минздрав", "МИАЦ")}
        assert all(e["task_id"] == task["id"] for e in journal)
        assert any(e["entity"] == "comment" for e in journal)
        comments = (await client.get(f"/v1/tasks/{task['id']}/comments", headers=MUR_OPERATOR)).json()["items"]
        assert [c["text"] for c in comments] == ["Сдвиг из-за торгов"]
        whole = (await client.get(f"/v1/roadmaps/{rid}/journal", headers=FEDERAL)).json()["items"]
        assert {e["task_id"] for e in whole} >= {task["id"], other["id"]}

    async def test_missing_task_is_404(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/tasks/424242", headers=FEDERAL)).status_code == 404
        assert (await patch(client, 424242, title="x")).status_code == 404
