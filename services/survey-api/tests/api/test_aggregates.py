"""Aggregates checked against figures computed by hand from a small, fully known data set."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, answers, create_campaign, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")

# MUR-GP1, kiosk, May 2025: q1 = 6 yes, 2 rather_yes, 1 no, 1 dont_know → 8 of the 9 who gave one of
# the method's four answers = 88.9 % (dont_know beside the share, not in its denominator);
# NPS scores 10 10 9 9 9 | 8 7 | 6 3 0 → 5 promoters, 2 passives, 3 detractors → NPS 20.
GP1_Q1 = ["yes"] * 6 + ["rather_yes"] * 2 + ["no", "dont_know"]
GP1_NPS = [10, 10, 9, 9, 9, 8, 7, 6, 3, 0]
# MUR-MON-CGB, online, June 2025: q1 = 1 yes, 4 rather_no → 20 %; NPS 9 5 5 5 5 → (1 − 4)/5 = −60.
CGB_Q1 = ["yes"] + ["rather_no"] * 4
CGB_NPS = [9, 5, 5, 5, 5]


def entry(submitted_at: str, q1: str, nps: int) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "submitted_at": submitted_at, "answers": answers(q1=q1, nps=nps)}


@pytest.fixture
async def data(client: httpx.AsyncClient) -> None:
    await create_campaign(client, minimum_sample=10)
    gp1 = await register_kiosk(client, org_unit="MUR-GP1")
    kya = await register_kiosk(client, org_unit="KYA-GP4")
    batch = [entry("2025-05-10T09:00:00+03:00", q1, n) for q1, n in zip(GP1_Q1, GP1_NPS, strict=True)]
    # Q1 2025 (March): two satisfied promoters.
    batch += [entry("2025-03-15T09:00:00+03:00", "yes", 10) for _ in range(2)]
    # 01:30 on 1 July in Moscow is still 30 June in UTC: it belongs to Q3, not Q2.
    batch.append(entry("2025-06-30T22:30:00Z", "no", 0))
    response = await client.post("/v1/responses/batch", json={"responses": batch}, headers=kiosk_auth(gp1))
    assert {r["status"] for r in response.json()["results"]} == {"accepted"}
    for q1, nps in zip(CGB_Q1, CGB_NPS, strict=True):
        body = {
            **entry("2025-06-05T12:00:00+03:00", q1, nps),
            "campaign_code": "mur-2025",
            "org_unit_code": "MUR-MON-CGB",
            "channel": "online",
        }
        assert (await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)).status_code == 201
    # Krasnoyarsk: 02:30 local on 1 April is 19:30 UTC on 31 March → 2025-04, in Q2.
    kya_batch = [entry("2025-03-31T19:30:00Z", "no", 0) for _ in range(4)]
    response = await client.post("/v1/responses/batch", json={"responses": kya_batch}, headers=kiosk_auth(kya))
    assert {r["status"] for r in response.json()["results"]} == {"accepted"}


async def aggregates(client: httpx.AsyncClient, headers: dict[str, str] = FEDERAL, **params: str) -> httpx.Response:
    return await client.get("/v1/aggregates", params={"campaign": "mur-2025", **params}, headers=headers)


class TestFigures:
    async def test_org_unit_subtree_sums_counts(self, client: httpx.AsyncClient, data: None) -> None:
        response = await aggregates(client, org_unit="RU-MUR", period="2025Q2")
        assert response.status_code == 200, response.text
        [row] = response.json()["rows"]
        # 15 responses: 9 satisfied of the 14 four-point answers (one dont_know aside) → 64.285… → 64.3 %;
        # promoters 6, passives 2, detractors 7 → −6.666… → −6.7.
        assert row["n"] == 15
        assert row["satisfaction_share"] == 64.3
        assert row["dont_know"] == 1 and row["screened_out"] == 0
        # Wilson over n = 14, p = 9/14: centre (p + z²/28)/(1 + z²/14) = 0.61210, half 0.22445 → [38.8, 83.7].
        assert row["satisfaction_ci95"] == [38.8, 83.7]
        assert (row["promoters"], row["passives"], row["detractors"]) == (6, 2, 7)
        assert row["nps"] == -6.7
        # var = (0.4 + 0.4667 − 0.0667²)/15 = 0.057481…; half = 1.96·√var·100 = 46.99 → [−53.7, 40.3].
        assert row["nps_ci95"] == [-53.7, 40.3]
        assert row["sample_ok"] is True
        assert row["period"] == "2025Q2"
        # 64.29 + 25 % of (90 − 64.29) = 70.71 → 70.7; −6.67 + 25 % of (30 + 6.67) = 2.5.
        assert row["suggested_satisfaction_target"] == 70.7
        assert row["suggested_nps_target"] == 2.5
        # Every answer to q5 is dont_know: nobody gave one of the four answers, so there is no share.
        questions = {q["code"]: (q["answered"], q["positive"], q["dont_know"], q["share"]) for q in row["questions"]}
        assert questions == {
            "q1_process": (14, 9, 1, 64.3),
            "q2_documents": (15, 15, 0, 100.0),
            "q3_duration": (15, 15, 0, 100.0),
            "q4_simplicity": (15, 0, 0, 0.0),
            "q5_support": (0, 0, 15, None),
        }
        assert row["previous"] == {
            "period": "2025Q1",
            "n": 2,
            "satisfaction_share": 100.0,
            "dont_know": 0,
            "screened_out": 0,
            "nps": 100.0,
            "sample_ok": False,
        }
        assert row["satisfaction_change_significant"] is False

    async def test_single_org_unit(self, client: httpx.AsyncClient, data: None) -> None:
        [row] = (await aggregates(client, org_unit="MUR-GP1", period="2025Q2")).json()["rows"]
        assert (row["n"], row["satisfaction_share"], row["dont_know"], row["nps"]) == (10, 88.9, 1, 20.0)
        # var = (0.5 + 0.3 − 0.2²)/10 = 0.076; half = 1.96·√0.076·100 = 54.03 → [−34.0, 74.0].
        assert row["nps_ci95"] == [-34.0, 74.0]

    async def test_region_local_month(self, client: httpx.AsyncClient, data: None) -> None:
        [row] = (await aggregates(client, org_unit="RU-KYA", period="2025-04")).json()["rows"]
        assert row["n"] == 4
        [q3] = (await aggregates(client, org_unit="MUR-GP1", period="2025Q3")).json()["rows"]
        assert q3["n"] == 1
        [year] = (await aggregates(client, org_unit="RU", period="2025")).json()["rows"]
        assert year["n"] == 10 + 2 + 1 + 5 + 4

    async def test_group_by_org_unit(self, client: httpx.AsyncClient, data: None) -> None:
        rows = (await aggregates(client, org_unit="RU-MUR", period="2025Q2", group_by="org_unit")).json()["rows"]
        assert [(r["org_unit_code"], r["n"], r["satisfaction_share"], r["nps"], r["sample_ok"]) for r in rows] == [
            ("MUR-GP1", 10, 88.9, 20.0, True),
            ("MUR-MON-CGB", 5, 20.0, -60.0, False),
        ]

    async def test_group_by_channel(self, client: httpx.AsyncClient, data: None) -> None:
        rows = (await aggregates(client, org_unit="RU-MUR", period="2025Q2", group_by="channel")).json()["rows"]
        assert [(r["channel"], r["n"]) for r in rows] == [("kiosk", 10), ("online", 5), ("phone", 0)]
        assert rows[2]["satisfaction_share"] is None
        assert rows[2]["nps_ci95"] is None

    async def test_group_by_month_with_previous(self, client: httpx.AsyncClient, data: None) -> None:
        rows = (await aggregates(client, org_unit="RU-MUR", period="2025Q2", group_by="month")).json()["rows"]
        assert [(r["period"], r["n"]) for r in rows] == [("2025-04", 0), ("2025-05", 10), ("2025-06", 5)]
        assert rows[0]["previous"]["period"] == "2025-03"
        assert rows[0]["previous"]["n"] == 2
        assert rows[2]["previous"]["n"] == 10

    async def test_group_by_quarter(self, client: httpx.AsyncClient, data: None) -> None:
        rows = (await aggregates(client, org_unit="RU-MUR", period="2025", group_by="quarter")).json()["rows"]
        assert [(r["period"], r["n"]) for r in rows] == [("2025Q1", 2), ("2025Q2", 15), ("2025Q3", 1), ("2025Q4", 0)]


class TestSignificance:
    async def test_large_drop_is_significant(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client)
        kiosk = await register_kiosk(client)
        before = [entry("2025-02-10T09:00:00+03:00", "yes", 10) for _ in range(40)]
        after = [entry("2025-05-10T09:00:00+03:00", "yes" if i < 20 else "no", 10 if i < 20 else 0) for i in range(40)]
        response = await client.post(
            "/v1/responses/batch", json={"responses": before + after}, headers=kiosk_auth(kiosk)
        )
        assert response.status_code == 200
        [row] = (await aggregates(client, org_unit="MUR-GP1", period="2025Q2")).json()["rows"]
        assert row["satisfaction_share"] == 50.0
        assert row["previous"]["satisfaction_share"] == 100.0
        assert row["satisfaction_change_significant"] is True
        assert row["nps_change_significant"] is True
        assert row["sample_ok"] is True


class TestAccess:
    async def test_scope(self, client: httpx.AsyncClient, data: None) -> None:
        assert (await aggregates(client, KYA_ADMIN, org_unit="RU-MUR", period="2025Q2")).status_code == 403
        assert (await aggregates(client, MUR_ADMIN, org_unit="RU", period="2025Q2")).status_code == 403
        assert (await aggregates(client, MUR_OPERATOR, org_unit="RU-MUR", period="2025Q2")).status_code == 200
        assert (await client.get("/v1/aggregates", params={"campaign": "mur-2025"})).status_code == 401

    async def test_bad_queries(self, client: httpx.AsyncClient, data: None) -> None:
        bad_period = await aggregates(client, org_unit="RU-MUR", period="2025Q5")
        assert bad_period.status_code == 422
        assert bad_period.json()["errors"][0]["pointer"] == "/query/period"
        assert (await aggregates(client, org_unit="RU-MUR", period="2025-04", group_by="quarter")).status_code == 422
        assert (await aggregates(client, org_unit="RU-MUR", period="2025Q2", group_by="colour")).status_code == 422
        assert (
            await client.get(
                "/v1/aggregates", params={"campaign": "nope", "org_unit": "RU", "period": "2025"}, headers=FEDERAL
            )
        ).status_code == 404
        assert (await aggregates(client, org_unit="NOWHERE", period="2025Q2")).status_code == 404

    async def test_known_unit_outside_the_campaign_has_no_responses(
        self, client: httpx.AsyncClient, data: None
    ) -> None:
        [row] = (await aggregates(client, org_unit="KYA-GP14", period="2025Q2")).json()["rows"]
        assert row["n"] == 0
        assert row["satisfaction_share"] is None
        assert row["sample_ok"] is False
