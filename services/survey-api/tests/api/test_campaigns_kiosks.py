from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager

from survey_api.app import create_app
from survey_api.models import Base
from survey_api.settings import SurveySettings
from zdrav_shared.testing import empty_tables

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, create_campaign, item, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")


class TestCampaigns:
    async def test_create_and_read(self, client: httpx.AsyncClient) -> None:
        created = await create_campaign(client, life_situation="Плановая помощь при ССЗ")
        assert created["questionnaire_version"] == 2  # nsi-standard's current version
        assert created["status"] == "active"
        assert created["purpose"] == "monitoring"
        assert created["minimum_sample"] == 30
        assert created["org_unit_codes"] == ["KYA-GP4", "MUR-GP1", "MUR-MON-CGB"]
        read = await client.get("/v1/campaigns/mur-2025", headers=MUR_OPERATOR)
        assert read.status_code == 200
        assert read.headers["etag"] == 'W/"1"'

    async def test_unknown_org_unit_is_422_with_pointer(self, client: httpx.AsyncClient) -> None:
        body = {
            "code": "x",
            "questionnaire_code": "nsi-standard",
            "org_unit_codes": ["MUR-GP1", "NOPE"],
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
            "channels": ["kiosk"],
        }
        response = await client.post("/v1/campaigns", json=body, headers=FEDERAL)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/org_unit_codes/1"

    async def test_rules(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        base = {
            "code": "y",
            "questionnaire_code": "nsi-standard",
            "org_unit_codes": ["MUR-GP1"],
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
            "channels": ["kiosk"],
        }
        taken = await client.post("/v1/campaigns", json={**base, "code": "mur-2025"}, headers=FEDERAL)
        assert taken.status_code == 409
        backwards = await client.post("/v1/campaigns", json={**base, "ends_on": "2024-01-01"}, headers=FEDERAL)
        assert backwards.status_code == 422
        no_q = await client.post("/v1/campaigns", json={**base, "questionnaire_code": "nope"}, headers=FEDERAL)
        assert no_q.status_code == 422
        bad_channel = await client.post("/v1/campaigns", json={**base, "channels": ["fax"]}, headers=FEDERAL)
        assert bad_channel.status_code == 422
        outside = await client.post("/v1/campaigns", json={**base, "org_unit_codes": ["KYA-GP4"]}, headers=MUR_ADMIN)
        assert outside.status_code == 403
        operator = await client.post("/v1/campaigns", json=base, headers=MUR_OPERATOR)
        assert operator.status_code == 403

    async def test_list_is_scoped(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client, code="mur", units=("MUR-GP1",))
        await create_campaign(client, code="kya", units=("KYA-GP4",))
        mur = (await client.get("/v1/campaigns", headers=MUR_ADMIN)).json()["items"]
        assert [c["code"] for c in mur] == ["mur"]
        everything = (await client.get("/v1/campaigns", headers=FEDERAL)).json()["items"]
        assert [c["code"] for c in everything] == ["kya", "mur"]

    async def test_status_machine_and_if_match(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client, status="draft")
        stale = await client.patch(
            "/v1/campaigns/mur-2025", json={"status": "active"}, headers={**FEDERAL, "If-Match": 'W/"9"'}
        )
        assert stale.status_code == 409
        active = await client.patch(
            "/v1/campaigns/mur-2025", json={"status": "active"}, headers={**FEDERAL, "If-Match": 'W/"1"'}
        )
        assert active.status_code == 200
        assert active.json()["status"] == "active"
        closed = await client.patch("/v1/campaigns/mur-2025", json={"status": "closed"}, headers=FEDERAL)
        assert closed.json()["status"] == "closed"
        reopen = await client.patch("/v1/campaigns/mur-2025", json={"status": "active"}, headers=FEDERAL)
        assert reopen.status_code == 409

    async def test_draft_campaign_refuses_responses(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client, status="draft")
        kiosk = await register_kiosk(client)
        response = await client.post("/v1/responses/batch", json={"responses": [item()]}, headers=kiosk_auth(kiosk))
        assert response.status_code == 409


class TestKiosks:
    async def test_token_shown_once_and_listing(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        kiosk = await register_kiosk(client)
        assert kiosk["token"].startswith("zk_")
        read = (await client.get(f"/v1/kiosks/{kiosk['id']}", headers=FEDERAL)).json()
        assert "token" not in read
        assert read["last_seen_at"] is None
        await client.post("/v1/responses/batch", json={"responses": [item()]}, headers=kiosk_auth(kiosk))
        listed = (await client.get("/v1/kiosks", params={"campaign": "mur-2025"}, headers=MUR_ADMIN)).json()
        assert [k["accepted_count"] for k in listed["items"]] == [1]
        assert (await client.get("/v1/kiosks", headers=KYA_ADMIN)).json()["items"] == []
        assert (await client.get(f"/v1/kiosks/{kiosk['id']}", headers=KYA_ADMIN)).status_code == 404

    async def test_register_rules(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)

        async def register(body: dict[str, str], headers: dict[str, str] = FEDERAL) -> int:
            return (await client.post("/v1/kiosks", json={"name": "k", **body}, headers=headers)).status_code

        assert await register({"campaign_code": "nope", "org_unit_code": "MUR-GP1"}) == 422
        assert await register({"campaign_code": "mur-2025", "org_unit_code": "MUR-DGP1"}) == 422
        assert await register({"campaign_code": "mur-2025", "org_unit_code": "MUR-GP1"}, KYA_ADMIN) == 403
        assert await register({"campaign_code": "mur-2025", "org_unit_code": "MUR-GP1"}, MUR_OPERATOR) == 201
        await client.patch("/v1/campaigns/mur-2025", json={"status": "closed"}, headers=FEDERAL)
        assert await register({"campaign_code": "mur-2025", "org_unit_code": "MUR-GP1"}) == 409

    async def test_revoke_outside_scope_is_404(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        kiosk = await register_kiosk(client)
        assert (await client.post(f"/v1/kiosks/{kiosk['id']}/revoke", headers=KYA_ADMIN)).status_code == 404
        assert (await client.post(f"/v1/kiosks/{kiosk['id']}/revoke", headers=MUR_OPERATOR)).status_code == 200


class TestRateLimit:
    async def test_per_kiosk_token_with_retry_after(self, settings: SurveySettings) -> None:
        limited = create_app(settings.model_copy(update={"kiosk_burst": 2, "kiosk_rate_per_s": 0.01}))
        async with LifespanManager(limited):
            transport = httpx.ASGITransport(app=limited)
            try:
                async with httpx.AsyncClient(transport=transport, base_url="http://survey.test") as client:
                    await create_campaign(client)
                    first = await register_kiosk(client)
                    second = await register_kiosk(client)
                    statuses = [
                        (
                            await client.post(
                                "/v1/responses/batch", json={"responses": [item()]}, headers=kiosk_auth(first)
                            )
                        ).status_code
                        for _ in range(3)
                    ]
                    assert statuses == [200, 200, 429]
                    refused = await client.post(
                        "/v1/responses/batch", json={"responses": [item()]}, headers=kiosk_auth(first)
                    )
                    assert int(refused.headers["retry-after"]) >= 1
                    other = await client.post(
                        "/v1/responses/batch", json={"responses": [item()]}, headers=kiosk_auth(second)
                    )
                    assert other.status_code == 200
            finally:
                await empty_tables(limited.state.db.engine, Base.metadata)
