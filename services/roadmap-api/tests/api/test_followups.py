"""Detractor follow-ups (issue 17 item 4) on the real backend (SQLite or PostgreSQL): the signed
webhook receiver, idempotency by response id (redelivery, replay and a race), where the work goes,
the due date on the production calendar, and the 48-hour share rolled up as Σ ÷ Σ."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from roadmap_api.models import Followup, Task
from zdrav_shared.testing import auth
from zdrav_shared.webhooks.worker import delivery_body, signature

from .conftest import FEDERAL, GP1_OPERATOR, GP2_OPERATOR, KYA_ADMIN, MUR_ADMIN, MUR_ANALYST, Approve, FixedClock

SECRET = "test-detractor-secret-0123456789"
URL = "/v1/followups/detractors"
SERVICE = auth(["service"], ["RU"], sub="survey-api")


def detractor(**extra: Any) -> dict[str, Any]:
    return {
        "response_id": str(uuid.uuid4()),
        "campaign_code": "NPS-2026",
        "org_unit_code": "MUR-GP1",
        "channel": "kiosk",
        "nps": 3,
        "comment": "Очередь в регистратуру 40 минут",
        "submitted_at": "2026-07-06T08:15:00+03:00",
        **extra,
    }


def delivery(data: dict[str, Any], delivery_id: str | None = None, event: str = "response.detractor") -> bytes:
    """A delivery exactly as zdrav_shared.webhooks' worker builds it."""
    return delivery_body(event, delivery_id or str(uuid.uuid4()), datetime(2026, 7, 6, 5, 16, tzinfo=UTC), data)


async def post(client: httpx.AsyncClient, body: bytes, secret: str | None = SECRET) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Zdrav-Signature"] = signature(secret, body)
    return await client.post(URL, content=body, headers=headers)


async def opened(client: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    answer = await post(client, delivery(detractor(**extra)))
    assert answer.status_code == 201, answer.text
    assert answer.json()["outcome"] == "opened"
    return dict(answer.json()["followup"])


async def approved_roadmap(make_roadmap: Any, make_task: Any, approve: Approve, **task: Any) -> int:
    rid = int((await make_roadmap())["id"])
    await make_task(rid, **task)
    await approve(rid)
    return rid


async def count(app: FastAPI, model: Any, **where: Any) -> int:
    from sqlalchemy import func, select

    async with app.state.db.sessionmaker() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int((await session.execute(query)).scalar_one())


class TestSignature:
    async def test_only_a_body_signed_with_the_secret_is_taken(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        body = delivery(detractor())
        assert (await post(client, body, secret=None)).status_code == 401
        assert (await post(client, body, secret="another-secret-of-the-same-size-xx")).status_code == 401
        tampered = body.replace(b'"nps":3', b'"nps":0')
        headers = {"Content-Type": "application/json", "X-Zdrav-Signature": signature(SECRET, body)}
        answer = await client.post(URL, content=tampered, headers=headers)
        assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"
        # A user token is no credential here: only the signature is.
        assert (
            await client.post(URL, content=body, headers={**FEDERAL, "Content-Type": "application/json"})
        ).status_code == 401
        assert await count(app, Followup) == 0
        assert (await post(client, body)).status_code == 201

    async def test_without_a_secret_the_receiver_is_off(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        app.state.settings.detractor_webhook_secret = None
        try:
            answer = await post(client, delivery(detractor()))
        finally:
            app.state.settings.detractor_webhook_secret = SECRET
        assert answer.status_code == 503
        assert await count(app, Followup) == 0

    async def test_a_signed_body_is_still_validated(self, client: httpx.AsyncClient) -> None:
        assert (await post(client, delivery(detractor(), event="value.approved"))).status_code == 422
        assert (await post(client, delivery(detractor(nps=11)))).status_code == 422
        assert (await post(client, delivery(detractor(org_unit_code="NOWHERE")))).status_code == 422
        assert (await post(client, b"not json")).status_code == 422


class TestWhatOpensAFollowup:
    @pytest.mark.parametrize(("nps", "comment"), [(3, None), (0, "   "), (7, "Неплохо"), (10, "Спасибо")])
    async def test_no_comment_or_no_detractor_opens_nothing(
        self, client: httpx.AsyncClient, app: FastAPI, nps: int, comment: str | None
    ) -> None:
        answer = await post(client, delivery(detractor(nps=nps, comment=comment)))
        assert answer.status_code == 200
        assert answer.json()["outcome"] == "ignored" and answer.json()["followup"] is None
        assert answer.json()["reason"] == ("no_comment" if nps <= 6 else "not_a_detractor")
        assert await count(app, Followup) == 0

    async def test_open_improvement_project_first(
        self, client: httpx.AsyncClient, app: FastAPI, make_roadmap: Any, make_task: Any, approve: Approve
    ) -> None:
        await approved_roadmap(make_roadmap, make_task, approve)
        project = await client.post(
            "/v1/improvement-projects",
            json={
                "region_code": "RU-MUR",
                "pilot_org_unit_code": "MUR-GP1",
                "title": "Бережливая регистратура",
                "category": "registry",
                "process": "Запись",
                "problem": "Очереди",
                "goal": "Без очередей",
                "team": ["Главный врач"],
            },
            headers=MUR_ADMIN,
        )
        assert project.status_code == 201, project.text
        followup = await opened(client)
        assert followup["target"] == "improvement_project"
        assert followup["improvement_project_id"] == project.json()["id"] and followup["task_id"] is None
        comments = (
            await client.get(f"/v1/improvement-projects/{project.json()['id']}/comments", headers=MUR_ADMIN)
        ).json()
        assert "Очередь в регистратуру" in str(comments)
        # Another org unit has no project: the roadmap takes it.
        assert (await opened(client, org_unit_code="MUR-GP2"))["target"] == "roadmap"
        # Once the project is completed it no longer takes follow-ups.
        done = await client.patch(
            f"/v1/improvement-projects/{project.json()['id']}", json={"status": "completed"}, headers=MUR_ADMIN
        )
        assert done.status_code == 200, done.text
        assert (await opened(client))["target"] == "roadmap"

    async def test_a_task_on_the_approved_roadmap(
        self, client: httpx.AsyncClient, make_roadmap: Any, make_task: Any, approve: Approve
    ) -> None:
        await make_roadmap(title="Черновик")  # a draft takes nothing
        rid = await approved_roadmap(make_roadmap, make_task, approve)
        followup = await opened(client)
        assert (followup["target"], followup["roadmap_id"]) == ("roadmap", rid)
        task = (await client.get(f"/v1/tasks/{followup['task_id']}", headers=FEDERAL)).json()
        assert task["org_unit_code"] == "MUR-GP1" and task["due_date"] == followup["due_date"] == "2026-07-08"
        assert task["status"] == "planned" and "Очередь в регистратуру" in task["expected_result"]
        # The polyclinic's operator sees its task.
        assert (await client.get(f"/v1/tasks/{task['id']}", headers=GP1_OPERATOR)).status_code == 200

    async def test_neither_keeps_it_unassigned_and_visible(self, client: httpx.AsyncClient, make_roadmap: Any) -> None:
        await make_roadmap()  # a draft only
        followup = await opened(client)
        assert (followup["target"], followup["task_id"], followup["roadmap_id"]) == ("unassigned", None, None)
        listed = (await client.get("/v1/followups", params={"region": "RU-MUR"}, headers=MUR_ADMIN)).json()
        assert [f["id"] for f in listed["items"]] == [followup["id"]]
        assert listed["items"][0]["status"] == "open"


class TestDueDate:
    @pytest.mark.parametrize(
        ("org_unit", "submitted_at", "due"),
        [
            ("MUR-GP1", "2026-07-03T12:00:00+03:00", "2026-07-07"),  # Friday → Tuesday over the weekend
            ("MUR-GP1", "2026-06-10T12:00:00+03:00", "2026-06-15"),  # 12 June (Russia Day, Friday) is off
            # New Year: 31 Dec 2026 is a day off moved from 4 January; 1–10 January 2027 are off
            ("MUR-GP1", "2026-12-30T12:00:00+03:00", "2027-01-12"),
            ("MUR-GP1", "2026-12-31T12:00:00+03:00", "2027-01-12"),
            # Thursday 18:00 UTC is already Friday 01:00 in Krasnoyarsk: the region's date counts
            ("KYA-GP1", "2026-07-02T18:00:00+00:00", "2026-07-07"),
            ("MUR-GP1", "2026-07-02T18:00:00+00:00", "2026-07-06"),
        ],
    )
    async def test_two_working_days_in_the_region(
        self, client: httpx.AsyncClient, org_unit: str, submitted_at: str, due: str
    ) -> None:
        followup = await opened(client, org_unit_code=org_unit, submitted_at=submitted_at)
        assert followup["due_date"] == due
        assert followup["region_code"] == ("RU-KYA" if org_unit.startswith("KYA") else "RU-MUR")


class TestIdempotency:
    async def test_redelivery_and_replay_answer_the_same_followup(
        self, client: httpx.AsyncClient, app: FastAPI, make_roadmap: Any, make_task: Any, approve: Approve
    ) -> None:
        await approved_roadmap(make_roadmap, make_task, approve)
        data = detractor()
        first = await post(client, delivery(data, "d-1"))
        again = await post(client, delivery(data, "d-1"))  # the worker's lease ran out: same delivery id
        replay = await post(client, delivery(data, "d-2"))  # a replay: a new delivery id
        service = await client.post("/v1/followups", json=data, headers=SERVICE)  # and the typed client
        assert [a.status_code for a in (first, again, replay, service)] == [201, 200, 200, 200]
        assert {a.json()["followup"]["id"] for a in (first, again, replay, service)} == {first.json()["followup"]["id"]}
        assert [a.json()["outcome"] for a in (again, replay, service)] == ["existing"] * 3
        assert await count(app, Followup) == 1
        assert await count(app, Task) == 2  # the roadmap's own task and the follow-up's

    async def test_concurrent_deliveries_of_one_response_open_one(
        self, client: httpx.AsyncClient, app: FastAPI, make_roadmap: Any, make_task: Any, approve: Approve
    ) -> None:
        """Eight workers (or replicas) deliver the same response at once, each on its own connection."""
        await approved_roadmap(make_roadmap, make_task, approve)
        data = detractor()
        answers = await asyncio.gather(*(post(client, delivery(data, f"d-{n}")) for n in range(8)))
        assert sorted(a.status_code for a in answers) == [200] * 7 + [201], [a.text for a in answers]
        assert len({a.json()["followup"]["id"] for a in answers}) == 1
        assert await count(app, Followup) == 1
        assert await count(app, Task) == 2

    async def test_service_path_roles(self, client: httpx.AsyncClient) -> None:
        assert (await client.post("/v1/followups", json=detractor(), headers=SERVICE)).status_code == 201
        assert (await client.post("/v1/followups", json=detractor(), headers=FEDERAL)).status_code == 201
        assert (await client.post("/v1/followups", json=detractor(), headers=MUR_ADMIN)).status_code == 403


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


class TestShareWithin48h:
    async def complete(self, client: httpx.AsyncClient, clock: FixedClock, followup_id: int, when: str) -> Any:
        clock.now = at(when)
        answer = await client.post(
            f"/v1/followups/{followup_id}/complete", json={"resolution": "Позвонили"}, headers=MUR_ADMIN
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def summary(self, client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
        answer = await client.get("/v1/followups/summary", params=params, headers=FEDERAL)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def test_in_time_late_and_not_done(
        self,
        client: httpx.AsyncClient,
        clock: FixedClock,
        make_roadmap: Any,
        make_task: Any,
        approve: Approve,
    ) -> None:
        await approved_roadmap(make_roadmap, make_task, approve)
        submitted = "2026-07-06T09:00:00+03:00"  # Monday: due Wednesday 8 July
        in_time, late, open_, exact = [await opened(client, submitted_at=submitted) for _ in range(4)]
        done = await self.complete(client, clock, in_time["id"], "2026-07-07T20:00:00+03:00")
        assert (done["status"], done["within_48h"]) == ("done", True)
        task = (await client.get(f"/v1/tasks/{in_time['task_id']}", headers=FEDERAL)).json()
        assert (task["status"], task["completed_on"]) == ("done", "2026-07-07")
        await self.complete(client, clock, exact["id"], "2026-07-08T09:00:00+03:00")  # 48 h to the second
        await self.complete(client, clock, late["id"], "2026-07-08T09:00:01+03:00")
        # Completing again changes nothing: the first time counts.
        again = await self.complete(client, clock, in_time["id"], "2026-07-20T09:00:00+03:00")
        assert at(again["done_at"]) == at(done["done_at"]) == at("2026-07-07T20:00:00+03:00")

        clock.now = at("2026-07-08T12:00:00+03:00")  # still the due day
        row = (await self.summary(client, region="RU-MUR", period="2026Q3"))["rows"]
        assert row == [
            {
                "org_unit_code": "RU-MUR",
                "region_code": "RU-MUR",
                "level": "region",
                "period": "2026Q3",
                "detractors": 4,
                "followed_up_48h": 2,
                "share": 50.0,
                "done_late": 1,
                "pending": 1,
                "overdue": 0,
            }
        ]
        clock.now = at("2026-07-09T00:30:00+03:00")  # the due day is over in Murmansk
        row = (await self.summary(client, region="RU-MUR", period="2026Q3"))["rows"][0]
        assert (row["pending"], row["overdue"]) == (0, 1)
        assert (await client.get(f"/v1/followups/{open_['id']}", headers=MUR_ADMIN)).json()["overdue"] is True
        # Another quarter holds none of them: its share is null, not 0.
        empty = (await self.summary(client, region="RU-MUR", period="2026Q2"))["rows"]
        assert [(r["detractors"], r["share"]) for r in empty] == [(0, None)]

    async def test_a_task_done_through_the_tasks_api_counts(
        self, client: httpx.AsyncClient, make_roadmap: Any, make_task: Any, approve: Approve
    ) -> None:
        """The journal's instant of the status change is the done time (the real clock here)."""
        await approved_roadmap(make_roadmap, make_task, approve)
        now = datetime.now(UTC)
        followup = await opened(client, submitted_at=(now - timedelta(hours=1)).isoformat())
        patched = await client.patch(
            f"/v1/tasks/{followup['task_id']}",
            json={"status": "done", "completed_on": now.date().isoformat()},
            headers=GP1_OPERATOR,
        )
        assert patched.status_code == 200, patched.text
        read = (await client.get(f"/v1/followups/{followup['id']}", headers=GP1_OPERATOR)).json()
        assert (read["status"], read["within_48h"]) == ("done", True)
        # Reopened, it is open again.
        await client.patch(f"/v1/tasks/{followup['task_id']}", json={"status": "in_progress"}, headers=GP1_OPERATOR)
        assert (await client.get(f"/v1/followups/{followup['id']}", headers=FEDERAL)).json()["status"] == "open"

    async def test_roll_up_is_sum_over_sum_not_mean_of_shares(
        self, client: httpx.AsyncClient, clock: FixedClock
    ) -> None:
        """GP1: 1 of 1 in time (100 %); GP2: 1 of 3 (33.3 %). The region is 2 of 4 = 50 %, not the
        mean of the shares (66.7 %); the federation adds RU-KYA's 0 of 1: 2 of 5 = 40 %."""
        submitted = "2026-07-06T09:00:00+03:00"
        gp1 = await opened(client, submitted_at=submitted)
        gp2 = [await opened(client, org_unit_code="MUR-GP2", submitted_at=submitted) for _ in range(3)]
        await opened(client, org_unit_code="KYA-GP1", submitted_at=submitted)
        await self.complete(client, clock, gp1["id"], "2026-07-06T10:00:00+03:00")
        await self.complete(client, clock, gp2[0]["id"], "2026-07-06T10:00:00+03:00")
        clock.now = at("2026-07-07T09:00:00+03:00")
        answer = await self.summary(client, period="2026Q3", group_by="org_unit")
        rows = {r["org_unit_code"]: r for r in answer["rows"]}
        assert list(rows) == ["MUR-GP1", "MUR-GP2", "RU-MUR", "KYA-GP1", "RU-KYA", "RU"][:0] or set(rows) == {
            "MUR-GP1",
            "MUR-GP2",
            "RU-MUR",
            "KYA-GP1",
            "RU-KYA",
            "RU",
        }
        assert rows["MUR-GP1"]["share"] == 100.0
        assert Decimal(str(rows["MUR-GP2"]["share"])).quantize(Decimal("0.1")) == Decimal("33.3")
        mean_of_shares = (rows["MUR-GP1"]["share"] + rows["MUR-GP2"]["share"]) / 2
        assert rows["RU-MUR"]["share"] == 50.0 != round(mean_of_shares, 1)
        assert (rows["RU-MUR"]["detractors"], rows["RU-MUR"]["followed_up_48h"]) == (4, 2)
        assert (rows["RU"]["level"], rows["RU"]["detractors"], rows["RU"]["share"]) == ("federation", 5, 40.0)
        assert rows["RU-KYA"]["share"] == 0.0


class TestScope:
    async def test_other_regions_and_organisations(
        self, client: httpx.AsyncClient, make_roadmap: Any, make_task: Any, approve: Approve
    ) -> None:
        await approved_roadmap(make_roadmap, make_task, approve)
        followup = await opened(client)
        fid = followup["id"]
        assert (await client.get(f"/v1/followups/{fid}", headers=KYA_ADMIN)).status_code == 404
        assert (await client.get(f"/v1/followups/{fid}", headers=GP2_OPERATOR)).status_code == 404
        assert (await client.get(f"/v1/followups/{fid}", headers=MUR_ANALYST)).status_code == 200
        assert (await client.post(f"/v1/followups/{fid}/complete", json={}, headers=KYA_ADMIN)).status_code == 404
        assert (await client.post(f"/v1/followups/{fid}/complete", json={}, headers=GP2_OPERATOR)).status_code == 404
        assert (await client.post(f"/v1/followups/{fid}/complete", json={}, headers=MUR_ANALYST)).status_code == 403
        summary = await client.get(
            "/v1/followups/summary", params={"region": "RU-MUR", "period": "2026Q3"}, headers=KYA_ADMIN
        )
        assert summary.status_code == 403
        whole = await client.get("/v1/followups/summary", params={"period": "2026Q3"}, headers=MUR_ADMIN)
        assert whole.status_code == 403
        assert (await client.get("/v1/followups", headers=KYA_ADMIN)).json()["items"] == []
        done = await client.post(f"/v1/followups/{fid}/complete", json={}, headers=GP1_OPERATOR)
        assert done.status_code == 200 and done.json()["status"] == "done"
