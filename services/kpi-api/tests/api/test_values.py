from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from .conftest import (
    FEDERAL,
    KYA_ADMIN,
    MUR_ADMIN,
    MUR_ANALYST,
    MUR_OPERATOR,
    FixedClock,
    create_indicator,
    item,
    post_values,
)


@pytest.fixture
async def catalogue(client: httpx.AsyncClient, org_tree: None) -> None:
    await create_indicator(client, "VISITS", periodicity="month", declared_max=100000)
    await create_indicator(client, "PHYSICIANS", time_aggregation="last")
    await create_indicator(client, "POSITIONS", time_aggregation="last")
    await create_indicator(client, "STAFFING", formula="PHYSICIANS / POSITIONS * 100", unit="%")


class TestBatch:
    async def test_valid_items_are_stored_beside_rejected_ones(
        self, client: httpx.AsyncClient, catalogue: None
    ) -> None:
        results = await post_values(
            client,
            [
                item("VISITS", "MUR-A", "2025-04", 100),
                item("NOPE", "MUR-A", "2025-04", 1),
                item("VISITS", "MUR-A", "2025Q2", 300),
                item("VISITS", "NOWHERE", "2025-05", 1),
                item("VISITS", "MUR-A", "2025Q5", 1),
                item("STAFFING", "MUR-A", "2025Q2", 80),
                item("VISITS", "MUR-A", "2025-05", "many"),
                item("VISITS", "MUR-B", "2025-04", 50.5, comment="ок"),
            ],
            headers=MUR_OPERATOR,
        )
        assert [r["status"] for r in results] == [
            "created",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "created",
        ]
        pointers = {r["index"]: r["problem"]["errors"][0]["pointer"] for r in results if r["problem"]}
        assert pointers == {
            1: "/items/1/indicator_code",
            2: "/items/2/period",
            3: "/items/3/org_unit_code",
            4: "/items/4/period",
            5: "/items/5/indicator_code",
            6: "/items/6/value",
        }
        for result in results:
            if result["problem"]:
                assert result["problem"]["status"] == 422
                assert {"type", "title", "status", "detail"} <= result["problem"].keys()
        assert "reported per month" in results[2]["problem"]["detail"]
        listed = await client.get("/v1/values", headers=MUR_OPERATOR)
        assert [(v["org_unit_code"], v["value"]) for v in listed.json()["items"]] == [("MUR-A", 100), ("MUR-B", 50.5)]

    async def test_second_write_updates_and_is_audited(self, client: httpx.AsyncClient, catalogue: None) -> None:
        first = await post_values(client, [item("VISITS", "MUR-A", "2025-04", 100)], headers=MUR_OPERATOR)
        second = await post_values(
            client, [item("VISITS", "MUR-A", "2025-04", 120, comment="исправлено")], headers=MUR_OPERATOR
        )
        assert second[0]["status"] == "updated"
        assert second[0]["id"] == first[0]["id"]
        assert second[0]["version"] == 2
        history = await client.get(f"/v1/values/{first[0]['id']}/history", headers=MUR_ANALYST)
        events = history.json()
        assert [e["action"] for e in events] == ["created", "updated"]
        assert events[1]["before"]["value"] == "100"
        assert events[1]["after"] == {"value": "120", "comment": "исправлено", "status": "draft"}
        assert events[1]["actor"] == "mur-operator"

    async def test_stale_version_is_rejected_with_409(self, client: httpx.AsyncClient, catalogue: None) -> None:
        await post_values(client, [item("VISITS", "MUR-A", "2025-04", 100)])
        await post_values(client, [item("VISITS", "MUR-A", "2025-04", 101, version=1)])
        results = await post_values(client, [item("VISITS", "MUR-A", "2025-04", 102, version=1)])
        assert results[0]["status"] == "rejected"
        assert results[0]["problem"]["status"] == 409

    async def test_repeated_item_in_one_request_is_rejected(self, client: httpx.AsyncClient, catalogue: None) -> None:
        results = await post_values(
            client, [item("VISITS", "MUR-A", "2025-04", 1), item("VISITS", "MUR-A", "2025-04", 2)]
        )
        assert [r["status"] for r in results] == ["created", "rejected"]

    async def test_outlier_is_stored_and_flagged(self, client: httpx.AsyncClient, catalogue: None) -> None:
        months = ["2025-01", "2025-02", "2025-03"]
        await post_values(client, [item("VISITS", "MUR-A", m, v) for m, v in zip(months, (100, 104, 98), strict=True)])
        results = await post_values(
            client, [item("VISITS", "MUR-A", "2025-04", 1000), item("VISITS", "MUR-B", "2025-04", 200000)]
        )
        assert [r["status"] for r in results] == ["created", "created"]
        assert results[0]["outlier"] is True
        assert "median 100" in results[0]["outlier_reason"]
        assert "declared maximum" in results[1]["outlier_reason"]
        normal = await post_values(client, [item("VISITS", "MUR-A", "2025-05", 105)])
        assert normal[0]["outlier"] is False

    async def test_off_track_value_needs_a_comment(self, client: httpx.AsyncClient, catalogue: None) -> None:
        response = await client.put(
            "/v1/indicators/PHYSICIANS/targets",
            json={"items": [{"org_unit_code": "MUR-A", "period": "2025", "target": 50}]},
            headers=MUR_ADMIN,
        )
        assert response.status_code == 200, response.text
        results = await post_values(client, [item("PHYSICIANS", "MUR-A", "2025Q2", 30)])
        assert results[0]["status"] == "rejected"
        assert results[0]["problem"]["errors"][0]["pointer"] == "/items/0/comment"
        assert "off track" in results[0]["problem"]["detail"]
        results = await post_values(client, [item("PHYSICIANS", "MUR-A", "2025Q2", 30, comment="вакансии")])
        assert results[0]["status"] == "created"
        on_track = await post_values(client, [item("PHYSICIANS", "MUR-B", "2025Q2", 30)])
        assert on_track[0]["status"] == "created"  # no target for MUR-B


class TestScope:
    async def test_out_of_scope_item_is_403_and_others_are_stored(
        self, client: httpx.AsyncClient, catalogue: None
    ) -> None:
        results = await post_values(
            client,
            [item("VISITS", "KYA-A", "2025-04", 10), item("VISITS", "MUR-A", "2025-04", 11)],
            headers=MUR_OPERATOR,
        )
        assert results[0]["status"] == "rejected"
        assert results[0]["problem"]["status"] == 403
        assert results[0]["problem"]["errors"][0]["pointer"] == "/items/0/org_unit_code"
        assert results[1]["status"] == "created"
        assert (await client.get("/v1/values", headers=KYA_ADMIN)).json()["items"] == []

    async def test_analyst_cannot_write(self, client: httpx.AsyncClient, catalogue: None) -> None:
        response = await client.post(
            "/v1/values", json={"items": [item("VISITS", "MUR-A", "2025-04", 1)]}, headers=MUR_ANALYST
        )
        assert response.status_code == 403

    async def test_workflow_endpoints_do_not_reach_other_regions(
        self, client: httpx.AsyncClient, catalogue: None
    ) -> None:
        [created] = await post_values(client, [item("VISITS", "MUR-A", "2025-04", 10)], submit=True)
        value_id = created["id"]
        assert (await client.post(f"/v1/values/{value_id}/approve", headers=KYA_ADMIN)).status_code == 404
        assert (await client.get(f"/v1/values/{value_id}", headers=KYA_ADMIN)).status_code == 404
        assert (await client.post(f"/v1/values/{value_id}/submit", headers=KYA_ADMIN)).status_code == 404
        assert (await client.post(f"/v1/values/{value_id}/approve", headers=MUR_ADMIN)).status_code == 200
        reopen = await client.post(f"/v1/values/{value_id}/reopen", json={"reason": "ошибка"}, headers=KYA_ADMIN)
        assert reopen.status_code == 404
        assert (await client.get(f"/v1/values/{value_id}", headers=MUR_OPERATOR)).json()["status"] == "approved"


class TestWorkflow:
    async def test_draft_submitted_approved_locked_reopened(self, client: httpx.AsyncClient, catalogue: None) -> None:
        [created] = await post_values(client, [item("VISITS", "MUR-A", "2025-04", 10)], headers=MUR_OPERATOR)
        value_id = created["id"]
        assert created["workflow"] == "draft"
        early = await client.post(f"/v1/values/{value_id}/approve", headers=MUR_ADMIN)
        assert early.status_code == 409
        submitted = await client.post(f"/v1/values/{value_id}/submit", headers={**MUR_OPERATOR, "If-Match": 'W/"1"'})
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "submitted"
        assert (await client.post(f"/v1/values/{value_id}/approve", headers=MUR_OPERATOR)).status_code == 403
        stale = await client.post(f"/v1/values/{value_id}/approve", headers={**MUR_ADMIN, "If-Match": 'W/"1"'})
        assert stale.status_code == 409
        approved = await client.post(f"/v1/values/{value_id}/approve", headers=MUR_ADMIN)
        assert approved.json()["status"] == "approved"
        assert approved.json()["approved_by"] == "mur-admin"

        [locked] = await post_values(client, [item("VISITS", "MUR-A", "2025-04", 11)], headers=MUR_OPERATOR)
        assert locked["status"] == "rejected"
        assert locked["problem"]["status"] == 409
        assert "approved" in locked["problem"]["detail"]

        operator_reopen = await client.post(
            f"/v1/values/{value_id}/reopen", json={"reason": "ошибка"}, headers=MUR_OPERATOR
        )
        assert operator_reopen.status_code == 403
        no_reason = await client.post(f"/v1/values/{value_id}/reopen", json={}, headers=MUR_ADMIN)
        assert no_reason.status_code == 422
        reopened = await client.post(
            f"/v1/values/{value_id}/reopen", json={"reason": "ошибка ввода"}, headers=MUR_ADMIN
        )
        assert reopened.json()["status"] == "draft"
        [fixed] = await post_values(client, [item("VISITS", "MUR-A", "2025-04", 11)], headers=MUR_OPERATOR)
        assert fixed["status"] == "updated"

        events = (await client.get(f"/v1/values/{value_id}/history", headers=MUR_OPERATOR)).json()
        assert [e["action"] for e in events] == ["created", "submitted", "approved", "reopened", "updated"]
        assert events[3]["reason"] == "ошибка ввода"
        assert events[3]["before"]["status"] == "approved"

    async def test_late_submission_is_accepted_and_marked(
        self, client: httpx.AsyncClient, catalogue: None, clock: FixedClock
    ) -> None:
        # April's report is due by 5 May, local time. 20:30 UTC on 5 May is still the 5th in Moscow
        # (23:30) but already the 6th in Krasnoyarsk (03:30).
        clock.now = datetime(2025, 5, 5, 20, 30, tzinfo=UTC)
        results = await post_values(
            client, [item("VISITS", "MUR-A", "2025-04", 1), item("VISITS", "KYA-A", "2025-04", 1)], submit=True
        )
        assert [(r["workflow"], r["late"]) for r in results] == [("submitted", False), ("submitted", True)]
        [draft] = await post_values(client, [item("VISITS", "MUR-B", "2025-04", 1)])
        clock.now = datetime(2025, 5, 6, 0, 0, tzinfo=UTC)
        submitted = await client.post(f"/v1/values/{draft['id']}/submit", headers=FEDERAL)
        assert submitted.json()["late"] is True
