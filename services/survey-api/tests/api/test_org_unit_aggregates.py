"""GET /v1/aggregates/org-units: several subtrees in one call, over one campaign or every campaign."""

from __future__ import annotations

import uuid

import httpx
import pytest

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, create_campaign, kiosk_auth, register_kiosk
from .test_aggregates import data, entry
from .test_questionnaires import QUESTIONS

pytestmark = pytest.mark.usefixtures("kpi")
__all__ = ["data"]


async def bulk(client: httpx.AsyncClient, headers: dict[str, str] = FEDERAL, **params: str) -> httpx.Response:
    return await client.get("/v1/aggregates/org-units", params=params, headers=headers)


@pytest.fixture
async def second_campaign(client: httpx.AsyncClient, data: None) -> None:
    await create_campaign(client, code="mur-2025-b", units=("MUR-GP1",))
    kiosk = await register_kiosk(client, campaign="mur-2025-b", org_unit="MUR-GP1")
    batch = [entry("2025-05-20T09:00:00+03:00", "yes", 10) for _ in range(2)]
    response = await client.post("/v1/responses/batch", json={"responses": batch}, headers=kiosk_auth(kiosk))
    assert {r["status"] for r in response.json()["results"]} == {"accepted"}


@pytest.fixture
async def canteen(client: httpx.AsyncClient, data: None) -> None:
    """A region's other questionnaire whose first question is also a satisfaction question: four very
    unhappy diners at MUR-GP1 in May 2025."""
    body = {"code": "canteen", "title_ru": "Столовая", "questions": QUESTIONS}
    assert (await client.post("/v1/questionnaires", json=body, headers=MUR_ADMIN)).status_code == 201
    await client.post("/v1/questionnaires/canteen/versions/1/publish", headers=MUR_ADMIN)
    await create_campaign(client, code="mur-canteen", questionnaire_code="canteen", units=("MUR-GP1",))
    kiosk = await register_kiosk(client, campaign="mur-canteen")
    diners = [
        {
            "id": str(uuid.uuid4()),
            "submitted_at": "2025-05-12T13:00:00+03:00",
            "answers": {"q1_process": "no", "nps": 0},
        }
        for _ in range(4)
    ]
    response = await client.post("/v1/responses/batch", json={"responses": diners}, headers=kiosk_auth(kiosk))
    assert {r["status"] for r in response.json()["results"]} == {"accepted"}


class TestOneSatisfactionKpi:
    """Issue 12: a canteen questionnaire halved the region's satisfaction KPI, because the campaign-less
    roll-up pooled every questionnaire's first question."""

    async def test_the_campaign_less_roll_up_is_nsi_standard_only(
        self, client: httpx.AsyncClient, canteen: None
    ) -> None:
        body = (await bulk(client, org_units="RU-MUR", period="2025Q2")).json()
        assert body["questionnaire_code"] == "nsi-standard"
        [mur] = body["rows"]
        # The same figures as without the canteen: 9 of 14 (64.3 %), NPS (6 − 7)/15.
        assert (mur["n"], mur["satisfied"], mur["satisfaction_answered"], mur["satisfaction_share"]) == (
            15,
            9,
            14,
            64.3,
        )
        assert mur["nps"] == -6.7 and mur["campaigns"] == ["mur-2025"]

    async def test_another_questionnaire_when_asked_for(self, client: httpx.AsyncClient, canteen: None) -> None:
        body = (await bulk(client, org_units="RU-MUR", period="2025Q2", questionnaire="canteen")).json()
        [mur] = body["rows"]
        assert body["questionnaire_code"] == "canteen"
        assert (mur["n"], mur["satisfaction_share"], mur["nps"], mur["campaigns"]) == (4, 0.0, -100.0, ["mur-canteen"])
        unknown = (await bulk(client, org_units="RU-MUR", period="2025Q2", questionnaire="nope")).json()
        assert unknown["rows"][0]["n"] == 0

    async def test_a_campaign_is_itself(self, client: httpx.AsyncClient, canteen: None) -> None:
        one = (await bulk(client, org_units="RU-MUR", period="2025Q2", campaign="mur-canteen")).json()
        assert one["questionnaire_code"] == "canteen" and one["rows"][0]["n"] == 4
        mismatch = await bulk(
            client, org_units="RU-MUR", period="2025Q2", campaign="mur-canteen", questionnaire="nsi-standard"
        )
        assert mismatch.status_code == 422 and mismatch.json()["errors"][0]["pointer"] == "/query/questionnaire"

    async def test_purpose(self, client: httpx.AsyncClient, data: None) -> None:
        await create_campaign(client, code="mur-self", units=("MUR-GP1",), purpose="self_assessment")
        kiosk = await register_kiosk(client, campaign="mur-self")
        batch = [entry("2025-05-20T09:00:00+03:00", "no", 0) for _ in range(3)]
        await client.post("/v1/responses/batch", json={"responses": batch}, headers=kiosk_auth(kiosk))
        both = (await bulk(client, org_units="MUR-GP1", period="2025Q2")).json()["rows"][0]
        monitoring = (await bulk(client, org_units="MUR-GP1", period="2025Q2", purpose="monitoring")).json()
        self_assessment = (await bulk(client, org_units="MUR-GP1", period="2025Q2", purpose="self_assessment")).json()
        assert (both["n"], monitoring["rows"][0]["n"], self_assessment["rows"][0]["n"]) == (13, 10, 3)
        assert monitoring["purpose"] == "monitoring"
        wrong = await bulk(client, org_units="MUR-GP1", period="2025Q2", campaign="mur-self", purpose="monitoring")
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["pointer"] == "/query/purpose"
        assert (await bulk(client, org_units="MUR-GP1", period="2025Q2", purpose="audit")).status_code == 422


class TestOrgUnitAggregates:
    async def test_one_campaign_rows_in_the_order_asked(self, client: httpx.AsyncClient, data: None) -> None:
        response = await bulk(client, org_units="RU-KYA,RU-MUR,MUR-GP1,RU-SAK", period="2025Q2", campaign="mur-2025")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["campaign_code"] == "mur-2025" and body["minimum_sample"] == 10
        rows = {r["org_unit_code"]: r for r in body["rows"]}
        assert [r["org_unit_code"] for r in body["rows"]] == ["RU-KYA", "RU-MUR", "MUR-GP1", "RU-SAK"]
        # RU-MUR = MUR-GP1 (8 of 9 four-point answers + 1 dont_know, 5/2/3) + MUR-MON-CGB (1 of 5, 1/0/4):
        # a ratio of summed counts, 9 / 14 = 64.3 %, dont_know beside it.
        mur = rows["RU-MUR"]
        assert (mur["n"], mur["satisfied"], mur["satisfaction_answered"], mur["dont_know"]) == (15, 9, 14, 1)
        assert mur["satisfaction_share"] == 64.3 and mur["nps"] == -6.7
        assert (mur["promoters"], mur["passives"], mur["detractors"]) == (6, 2, 7)
        assert mur["sample_ok"] is True and mur["campaigns"] == ["mur-2025"]
        assert rows["MUR-GP1"]["satisfaction_share"] == 88.9 and rows["MUR-GP1"]["nps"] == 20.0
        assert rows["RU-KYA"]["n"] == 4 and rows["RU-KYA"]["sample_ok"] is False
        assert rows["RU-SAK"] == {**rows["RU-SAK"], "n": 0, "satisfaction_share": None, "nps": None}

    async def test_matches_the_single_campaign_aggregate(self, client: httpx.AsyncClient, data: None) -> None:
        single = await client.get(
            "/v1/aggregates", params={"campaign": "mur-2025", "org_unit": "RU-MUR", "period": "2025"}, headers=FEDERAL
        )
        many = await bulk(client, org_units="RU-MUR", period="2025", campaign="mur-2025")
        one, row = single.json()["rows"][0], many.json()["rows"][0]
        names = ("n", "satisfaction_share", "dont_know", "screened_out", "nps", "promoters", "passives", "detractors")
        for name in (*names, "nps_ci95", "sample_ok"):
            assert row[name] == one[name], name

    async def test_every_campaign_sums_counts(self, client: httpx.AsyncClient, second_campaign: None) -> None:
        response = await bulk(client, org_units="RU-MUR,MUR-GP1", period="2025Q2")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["campaign_code"] is None and body["minimum_sample"] == 30
        assert body["questionnaire_code"] == "nsi-standard"
        mur = body["rows"][0]
        assert (mur["n"], mur["satisfied"], mur["satisfaction_answered"], mur["dont_know"]) == (17, 11, 16, 1)
        assert mur["satisfaction_share"] == 68.8 and mur["nps"] == 5.9  # 11 / 16; (8 − 7) / 17
        assert mur["campaigns"] == ["mur-2025", "mur-2025-b"] and mur["sample_ok"] is False

    async def test_campaigns_outside_the_period_do_not_count(
        self, client: httpx.AsyncClient, second_campaign: None
    ) -> None:
        response = await bulk(client, org_units="RU-MUR", period="2024Q4")
        assert response.json()["rows"][0]["n"] == 0

    async def test_scope(self, client: httpx.AsyncClient, data: None) -> None:
        assert (await bulk(client, MUR_ADMIN, org_units="RU-MUR", period="2025Q2")).status_code == 200
        refused = await bulk(client, KYA_ADMIN, org_units="RU-KYA,RU-MUR", period="2025Q2")
        assert refused.status_code == 403

    @pytest.mark.parametrize(
        ("params", "status", "pointer"),
        [
            ({"org_units": "RU-MUR", "period": "2025Q5"}, 422, "/query/period"),
            ({"org_units": " , ", "period": "2025Q2"}, 422, "/query/org_units"),
            ({"org_units": ",".join(f"U{i}" for i in range(501)), "period": "2025Q2"}, 422, "/query/org_units"),
            ({"org_units": "RU-MUR", "period": "2025Q2", "campaign": "nope"}, 404, None),
        ],
    )
    async def test_bad_requests(
        self, client: httpx.AsyncClient, params: dict[str, str], status: int, pointer: str | None
    ) -> None:
        response = await bulk(client, **params)
        assert response.status_code == status, response.text
        if pointer:
            assert response.json()["errors"][0]["pointer"] == pointer
