from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from survey_api.responses.schemas import ResponseReceipt

from .conftest import FEDERAL, KYA_ADMIN, MUR_OPERATOR, answers, create_campaign, item, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")


@pytest.fixture
async def kiosk(client: httpx.AsyncClient) -> dict[str, Any]:
    await create_campaign(client)
    return await register_kiosk(client)


async def post_batch(client: httpx.AsyncClient, kiosk: dict[str, Any], items: list[dict[str, Any]]) -> httpx.Response:
    return await client.post("/v1/responses/batch", json={"responses": items}, headers=kiosk_auth(kiosk))


async def stored_count(client: httpx.AsyncClient) -> int:
    response = await client.get(
        "/v1/aggregates", params={"campaign": "mur-2025", "org_unit": "RU", "period": "2025"}, headers=FEDERAL
    )
    assert response.status_code == 200, response.text
    return int(response.json()["rows"][0]["n"])


class TestBatch:
    async def test_accepts_then_resend_is_duplicate(self, client: httpx.AsyncClient, kiosk: dict[str, Any]) -> None:
        items = [item(), item(q1="no", nps=3)]
        first = await post_batch(client, kiosk, items)
        assert first.status_code == 200, first.text
        assert [r["status"] for r in first.json()["results"]] == ["accepted", "accepted"]
        again = await post_batch(client, kiosk, items)
        assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
        assert await stored_count(client) == 2

    async def test_same_id_other_body_is_rejected(self, client: httpx.AsyncClient, kiosk: dict[str, Any]) -> None:
        original = item()
        await post_batch(client, kiosk, [original])
        changed = {**original, "answers": answers(q1="no")}
        result = (await post_batch(client, kiosk, [changed])).json()["results"][0]
        assert result["status"] == "rejected"
        assert result["problem"]["status"] == 409
        assert "different body" in result["problem"]["detail"]
        assert await stored_count(client) == 1

    async def test_same_instant_with_another_offset_is_a_duplicate(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        original = item(submitted_at="2025-05-10T09:00:00+03:00")
        await post_batch(client, kiosk, [original])
        resent = {**original, "submitted_at": "2025-05-10T06:00:00Z"}
        assert (await post_batch(client, kiosk, [resent])).json()["results"][0]["status"] == "duplicate"

    async def test_bad_items_rejected_with_pointers_others_stored(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        good = item()
        unknown = item()
        unknown["answers"]["q9_colour"] = "blue"
        wrong = item()
        wrong["answers"]["q1_process"] = "maybe"
        missing = item()
        del missing["answers"]["q2_documents"]
        nps_range = item()
        nps_range["answers"]["nps"] = 11
        no_id = {"submitted_at": "2025-05-10T09:00:00+03:00", "answers": answers()}
        naive = {**item(), "submitted_at": "2025-05-10T09:00:00"}
        response = await post_batch(client, kiosk, [good, unknown, wrong, missing, nps_range, no_id, naive])
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["accepted"] + ["rejected"] * 6
        pointers = [[e["pointer"] for e in r["problem"]["errors"]] for r in results[1:]]
        assert pointers[0] == ["/responses/1/answers/q9_colour"]
        assert pointers[1] == ["/responses/2/answers/q1_process"]
        assert pointers[2] == ["/responses/3/answers/q2_documents"]
        assert pointers[3] == ["/responses/4/answers/nps"]
        assert pointers[4] == ["/responses/5/id"]
        assert pointers[5] == ["/responses/6/submitted_at"]
        assert results[5]["id"] is None
        assert await stored_count(client) == 1

    async def test_repeated_id_inside_one_batch(self, client: httpx.AsyncClient, kiosk: dict[str, Any]) -> None:
        one = item()
        other_body = {**one, "answers": answers(q1="no")}
        results = (await post_batch(client, kiosk, [one, one, other_body])).json()["results"]
        assert [r["status"] for r in results] == ["accepted", "duplicate", "rejected"]
        assert await stored_count(client) == 1

    async def test_concurrent_resends_store_each_response_once(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        items = [item(nps=i % 11) for i in range(60)]
        replies = await asyncio.gather(*(post_batch(client, kiosk, items) for _ in range(6)))
        assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
        for index in range(len(items)):
            statuses = [r.json()["results"][index]["status"] for r in replies]
            assert statuses.count("accepted") == 1, statuses
            assert statuses.count("duplicate") == 5, statuses
        assert await stored_count(client) == 60
        listed = (await client.get(f"/v1/kiosks/{kiosk['id']}", headers=FEDERAL)).json()
        assert listed["accepted_count"] == 60
        assert listed["duplicate_count"] == 300
        assert listed["last_seen_at"] is not None

    async def test_kiosk_counters_add_up_over_every_outcome(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        a, b, c = item(), item(), item()
        invalid = item(nps=11)
        first = await post_batch(client, kiosk, [a, b, invalid])
        assert [r["status"] for r in first.json()["results"]] == ["accepted", "accepted", "rejected"]
        conflicting = {**b, "answers": answers(q1="no")}
        second = await post_batch(client, kiosk, [a, conflicting, c, c, {**invalid, "id": str(uuid.uuid4())}])
        statuses = [r["status"] for r in second.json()["results"]]
        assert statuses == ["duplicate", "rejected", "accepted", "duplicate", "rejected"]
        counters = (await client.get(f"/v1/kiosks/{kiosk['id']}", headers=FEDERAL)).json()
        assert (counters["accepted_count"], counters["duplicate_count"], counters["rejected_count"]) == (3, 2, 3)
        assert await stored_count(client) == 3

    async def test_overlapping_batches_in_opposite_order(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        items = [item() for _ in range(40)]
        replies = await asyncio.gather(
            post_batch(client, kiosk, items),
            post_batch(client, kiosk, list(reversed(items))),
            post_batch(client, kiosk, items[10:30]),
        )
        assert all(r.status_code == 200 for r in replies)
        assert await stored_count(client) == 40

    async def test_malformed_json_is_422(self, client: httpx.AsyncClient, kiosk: dict[str, Any]) -> None:
        headers = {**kiosk_auth(kiosk), "content-type": "application/json"}
        response = await client.post("/v1/responses/batch", content=b'{"responses": [', headers=headers)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        not_a_list = await client.post("/v1/responses/batch", json={"responses": 3}, headers=kiosk_auth(kiosk))
        assert not_a_list.status_code == 422

    async def test_over_1000_items_is_413(self, client: httpx.AsyncClient, kiosk: dict[str, Any]) -> None:
        small = {"id": str(uuid.uuid4()), "submitted_at": "2025-05-10T09:00:00Z", "answers": {}}
        response = await post_batch(client, kiosk, [small] * 1001)
        assert response.status_code == 413
        assert await stored_count(client) == 0

    async def test_body_over_limit_is_413(self, client: httpx.AsyncClient, kiosk: dict[str, Any]) -> None:
        big = item(comment="x" * 2000)
        response = await post_batch(client, kiosk, [big] * 999 + [item(comment="я" * 2000)] * 1000)
        assert response.status_code == 413

    async def test_unknown_or_revoked_token_is_401(self, client: httpx.AsyncClient, kiosk: dict[str, Any]) -> None:
        unknown = await client.post(
            "/v1/responses/batch", json={"responses": [item()]}, headers={"Authorization": "Bearer zk_nope"}
        )
        assert unknown.status_code == 401
        assert (await client.post(f"/v1/kiosks/{kiosk['id']}/revoke", headers=FEDERAL)).status_code == 200
        revoked = await post_batch(client, kiosk, [item()])
        assert revoked.status_code == 401
        assert "revoked" in revoked.json()["detail"]
        assert (await client.post("/v1/responses/batch", json={"responses": []})).status_code == 401

    async def test_kiosk_posting_for_another_org_unit_is_403(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        other = {**item(), "org_unit_code": "MUR-MON-CGB"}
        response = await post_batch(client, kiosk, [item(), other])
        assert response.status_code == 403
        envelope = await client.post(
            "/v1/responses/batch",
            json={"campaign_code": "other", "responses": [item()]},
            headers=kiosk_auth(kiosk),
        )
        assert envelope.status_code == 403
        single = await client.post(
            "/v1/responses",
            json={**item(), "campaign_code": "mur-2025", "org_unit_code": "MUR-MON-CGB", "channel": "kiosk"},
            headers=kiosk_auth(kiosk),
        )
        assert single.status_code == 403
        assert await stored_count(client) == 0

    async def test_closed_campaign_is_409(self, client: httpx.AsyncClient, kiosk: dict[str, Any]) -> None:
        closed = await client.patch("/v1/campaigns/mur-2025", json={"status": "closed"}, headers=FEDERAL)
        assert closed.status_code == 200, closed.text
        response = await post_batch(client, kiosk, [item()])
        assert response.status_code == 409
        assert "closed" in response.json()["detail"]

    async def test_clock_skew_flagged_and_free_text_masked(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        future = item(submitted_at="2031-01-01T00:00:00Z", comment="звоните 8 912 345-67-89 или a.b@mail.ru")
        on_time = item(submitted_at="2025-05-10T09:00:00+03:00")
        response = await post_batch(client, kiosk, [future, on_time])
        assert [r["status"] for r in response.json()["results"]] == ["accepted", "accepted"]
        # The trusted clock places its response in 2025; the skewed one is placed at its arrival.
        assert await stored_count(client) == 1
        comments = await client.get("/v1/comments", params={"campaign": "mur-2025"}, headers=FEDERAL)
        assert comments.status_code == 200, comments.text
        [comment] = comments.json()["items"]
        assert comment["texts"]["comment"] == "звоните [phone] или [email]"
        assert not comment["period"].startswith("2031")

    async def test_free_text_is_stored_as_sent_whatever_its_characters(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        # A batch of several rows travels to PostgreSQL as one JSON document: quotes, backslashes,
        # control characters and JSON-looking text must come back exactly as sent.
        tricky = 'кавычки " и \\ слэш, \n строка, \t таб, \u2028, эмодзи 😀, {"json": [1, "\\u0041"]}'
        items = [item(comment=tricky), item(comment="ещё: " + tricky), item()]
        results = (await post_batch(client, kiosk, items)).json()["results"]
        assert [r["status"] for r in results] == ["accepted"] * 3
        comments = await client.get("/v1/comments", params={"campaign": "mur-2025"}, headers=FEDERAL)
        assert sorted(c["texts"]["comment"] for c in comments.json()["items"]) == sorted([tricky, "ещё: " + tricky])

    async def test_an_id_in_capitals_is_the_same_response(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any]
    ) -> None:
        original, other = item(), item()
        assert [r["status"] for r in (await post_batch(client, kiosk, [original, other])).json()["results"]] == [
            "accepted",
            "accepted",
        ]
        shouting = {**original, "id": original["id"].upper()}
        [result] = (await post_batch(client, kiosk, [shouting])).json()["results"]
        assert result == {"id": original["id"], "status": "duplicate", "problem": None}


class TestSingle:
    def body(self, **overrides: Any) -> dict[str, Any]:
        return {
            **item(),
            "campaign_code": "mur-2025",
            "org_unit_code": "MUR-GP1",
            "channel": "online",
            **overrides,
        }

    async def test_created_then_resend_is_200(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        body = self.body()
        first = await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)
        assert first.status_code == 201, first.text
        assert first.json()["status"] == "accepted"
        assert first.json()["period"] == "2025-05"
        again = await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)
        assert again.status_code == 200
        assert again.json()["status"] == "duplicate"
        for answer in (first, again):  # written by orjson, byte for byte as pydantic writes a ResponseReceipt
            assert answer.content == ResponseReceipt.model_validate_json(answer.content).model_dump_json().encode()
        changed = await client.post("/v1/responses", json={**body, "channel": "phone"}, headers=MUR_OPERATOR)
        assert changed.status_code == 409

    async def test_bad_answers_are_422_with_pointer(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        body = self.body()
        body["answers"]["nps"] = -1
        response = await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == ["/answers/nps"]

    async def test_an_instant_before_year_1_in_utc_is_422(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        body = self.body(submitted_at="0001-01-01T00:30:00+01:00")
        response = await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)
        assert response.status_code == 422, response.text
        assert [e["pointer"] for e in response.json()["errors"]] == ["/submitted_at"]

    async def test_unknown_campaign_and_scope(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        unknown = await client.post("/v1/responses", json=self.body(campaign_code="nope"), headers=MUR_OPERATOR)
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["pointer"] == "/campaign_code"
        outside = await client.post("/v1/responses", json=self.body(), headers=KYA_ADMIN)
        assert outside.status_code == 403
        not_deployed = await client.post(
            "/v1/responses", json=self.body(org_unit_code="MUR-DGP1"), headers=MUR_OPERATOR
        )
        assert not_deployed.status_code == 422

    async def test_malformed_json_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/responses", content=b"{nope", headers={**MUR_OPERATOR, "content-type": "application/json"}
        )
        assert response.status_code == 422
