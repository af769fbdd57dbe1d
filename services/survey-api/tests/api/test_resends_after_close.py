"""A resent id that is already stored is `duplicate` whatever happened since — the campaign closed, its
dates or the device clock now put the answer outside the window — and only new ids meet the campaign's
status and window (CONTRACT.md, survey Additions). Kiosks resend until acknowledged: one whose
acknowledgement was lost must be able to clear its queue after the campaign closed."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from survey_api.campaigns.context import CampaignCache
from survey_api.responses.rules import canonical_body_hash
from survey_api.responses.schemas import ResponseStatus
from survey_api.responses.service import Candidate, ClockPolicy, ResponseIngestion
from survey_api.responses.writers import session_writers

from .conftest import FEDERAL, MUR_OPERATOR, answers, create_campaign, item, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")


async def post_batch(client: httpx.AsyncClient, kiosk: dict[str, Any], items: list[dict[str, Any]]) -> httpx.Response:
    return await client.post("/v1/responses/batch", json={"responses": items}, headers=kiosk_auth(kiosk))


async def stored_count(client: httpx.AsyncClient) -> int:
    response = await client.get(
        "/v1/aggregates", params={"campaign": "mur-2025", "org_unit": "RU", "period": "2025"}, headers=FEDERAL
    )
    return int(response.json()["rows"][0]["n"])


async def counters(client: httpx.AsyncClient, kiosk: dict[str, Any]) -> tuple[int, int, int]:
    read = (await client.get(f"/v1/kiosks/{kiosk['id']}", headers=FEDERAL)).json()
    return read["accepted_count"], read["duplicate_count"], read["rejected_count"]


async def close(client: httpx.AsyncClient) -> None:
    response = await client.patch("/v1/campaigns/mur-2025", json={"status": "closed"}, headers=FEDERAL)
    assert response.status_code == 200, response.text


def online(**overrides: Any) -> dict[str, Any]:
    return {**item(), "campaign_code": "mur-2025", "org_unit_code": "MUR-GP1", "channel": "online", **overrides}


class TestClosedCampaign:
    async def test_a_kiosk_clears_its_queue_after_the_campaign_closed(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        kiosk = await register_kiosk(client)
        stored = [item(), item(q1="no", nps=2)]
        assert [r["status"] for r in (await post_batch(client, kiosk, stored)).json()["results"]] == ["accepted"] * 2
        await close(client)
        # The acknowledgement was lost: the same batch again, plus one answered after closing.
        late = item()
        conflicting = {**stored[1], "answers": answers(q1="yes")}
        response = await post_batch(client, kiosk, [*stored, late, conflicting])
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["duplicate", "duplicate", "rejected", "rejected"]
        assert results[2]["problem"]["status"] == 409 and "closed" in results[2]["problem"]["detail"]
        assert "different body" in results[3]["problem"]["detail"]
        assert await stored_count(client) == 2
        assert await counters(client, kiosk) == (2, 2, 2)

    async def test_a_batch_of_new_ids_only_is_refused_whole(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        kiosk = await register_kiosk(client)
        await post_batch(client, kiosk, [item()])
        await close(client)
        refused = await post_batch(client, kiosk, [item(), item()])
        assert refused.status_code == 409
        problem = refused.json()
        assert (problem["status"], problem["campaign_status"]) == (409, "closed") and "closed" in problem["detail"]
        assert await counters(client, kiosk) == (1, 0, 0)  # a refusal of the whole request leaves no trace

    async def test_single_responses(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        body = online()
        assert (await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)).status_code == 201
        await close(client)
        again = await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")
        new = await client.post("/v1/responses", json=online(), headers=MUR_OPERATOR)
        assert new.status_code == 409 and "closed" in new.json()["detail"]
        other_body = await client.post("/v1/responses", json={**body, "channel": "phone"}, headers=MUR_OPERATOR)
        assert other_body.status_code == 409 and "different body" in other_body.json()["detail"]
        assert await stored_count(client) == 1

    async def test_a_draft_campaign_takes_nothing_new(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client, status="draft")
        refused = await client.post("/v1/responses", json=online(), headers=MUR_OPERATOR)
        assert refused.status_code == 409 and "draft" in refused.json()["detail"]


class TestWindow:
    async def test_an_end_date_moved_earlier_does_not_turn_a_resend_away(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        kiosk = await register_kiosk(client)
        may = [item(submitted_at="2025-05-10T09:00:00+03:00") for _ in range(3)]
        await post_batch(client, kiosk, may)
        body = online(submitted_at="2025-05-11T09:00:00+03:00")
        assert (await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)).status_code == 201
        moved = await client.patch("/v1/campaigns/mur-2025", json={"ends_on": "2025-04-30"}, headers=FEDERAL)
        assert moved.status_code == 200
        new_in_may = item(submitted_at="2025-05-10T09:00:00+03:00")
        results = (await post_batch(client, kiosk, [*may, new_in_may])).json()["results"]
        assert [r["status"] for r in results] == ["duplicate"] * 3 + ["rejected"]
        assert results[3]["problem"]["errors"][0]["pointer"] == "/responses/3/submitted_at"
        again = await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")
        outside = await client.post(
            "/v1/responses", json=online(submitted_at="2025-05-11T09:00:00Z"), headers=MUR_OPERATOR
        )
        assert outside.status_code == 422
        assert await counters(client, kiosk) == (3, 3, 1)
        assert await stored_count(client) == 4


async def test_a_device_clock_now_too_old_to_trust(app: Any, client: httpx.AsyncClient) -> None:
    """Stored while its clock was trusted; resent after the offline limit has passed, its answer would
    now be placed at its arrival, after the campaign's end. It is still the same stored response."""
    await create_campaign(client, ends_on="2025-12-31")
    context = await CampaignCache(0, "Europe/Moscow").get_from(app.state.db, "mur-2025")
    assert context is not None
    response = item(submitted_at="2025-05-10T09:00:00+03:00")
    submitted_at = datetime.fromisoformat(response["submitted_at"])
    body_hash = canonical_body_hash(
        {"id": response["id"], "submitted_at": submitted_at, "answers": response["answers"]}
    )
    candidate = Candidate.of(0, uuid.UUID(response["id"]), submitted_at, response["answers"], body_hash)
    unit = context.units["MUR-GP1"]
    trusting = ResponseIngestion(session_writers(app.state.db), ClockPolicy(max_age=timedelta(days=3650)))
    [first] = await trusting.ingest(context, unit, "kiosk", [candidate], entered_by="respondent")
    assert first.status is ResponseStatus.ACCEPTED
    strict = ResponseIngestion(session_writers(app.state.db), ClockPolicy(max_age=timedelta(days=30)))
    [again] = await strict.ingest(context, unit, "kiosk", [candidate], entered_by="respondent")
    assert again.status is ResponseStatus.DUPLICATE
    fresh = Candidate.of(0, uuid.uuid4(), submitted_at, response["answers"], body_hash)
    [new] = await strict.ingest(context, unit, "kiosk", [fresh], entered_by="respondent")
    assert new.status is ResponseStatus.REJECTED and new.error is not None and new.error.status == 422
