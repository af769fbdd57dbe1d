"""Issue 15 item 10 with hand-computed figures: paper forms keyed in by staff, who entered the answers,
a campaign's purpose, and a screening question whose «no» keeps a response out of every figure."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, MUR_ADMIN, MUR_OPERATOR, answers, create_campaign, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")

MAY = "2025-05-10T09:00:00+03:00"
CHANNELS = ["kiosk", "online", "phone", "paper"]


def entry(q1: str, nps: int, screening: str | None = None) -> dict[str, Any]:
    values = answers(q1=q1, nps=nps)
    if screening is not None:
        values["screening"] = screening
    return {"id": str(uuid.uuid4()), "submitted_at": MAY, "answers": values}


def single(channel: str, q1: str = "yes", nps: int = 9, screening: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        **entry(q1, nps, screening),
        "campaign_code": "mur-2025",
        "org_unit_code": "MUR-GP1",
        "channel": channel,
        **extra,
    }


@pytest.fixture
async def screened(client: httpx.AsyncClient) -> None:
    """MUR-GP1, May 2025.

    Kiosk: 4 × (yes, 10, screening yes), 2 × (rather_no, 5, not asked), 1 × (dont_know, 8, yes),
    3 × (yes, 10, screening no). Paper, keyed in by an operator: 2 × (no, 0, screening no).
    Counted: 7 responses; q1 4 satisfied of 6 four-point answers (1 dont_know) = 66.7 %; NPS 4
    promoters, 1 passive, 2 detractors = (4 − 2)/7 = 28.6. Screened out: 5, in no figure."""
    await create_campaign(client, channels=CHANNELS, minimum_sample=5)
    kiosk = await register_kiosk(client)
    batch = [entry("yes", 10, "yes") for _ in range(4)] + [entry("rather_no", 5) for _ in range(2)]
    batch += [entry("dont_know", 8, "yes")] + [entry("yes", 10, "no") for _ in range(3)]
    results = (await client.post("/v1/responses/batch", json={"responses": batch}, headers=kiosk_auth(kiosk))).json()
    assert [r["status"] for r in results["results"]] == ["accepted"] * 10  # stored, every one of them
    for _ in range(2):
        receipt = await client.post("/v1/responses", json=single("paper", "no", 0, "no"), headers=MUR_OPERATOR)
        assert receipt.status_code == 201, receipt.text
        assert (receipt.json()["entered_by"], receipt.json()["screened_out"]) == ("operator", True)


async def figures(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/aggregates", params={"campaign": "mur-2025", "period": "2025Q2", **params}, headers=FEDERAL
    )
    assert response.status_code == 200, response.text
    return response.json()["rows"]  # type: ignore[no-any-return]


class TestScreening:
    async def test_a_screening_no_is_in_no_figure(self, client: httpx.AsyncClient, screened: None) -> None:
        [row] = await figures(client, org_unit="RU-MUR")
        assert (row["n"], row["screened_out"], row["dont_know"]) == (7, 5, 1)
        assert row["satisfaction_share"] == 66.7
        assert (row["promoters"], row["passives"], row["detractors"], row["nps"]) == (4, 1, 2, 28.6)
        assert row["sample_ok"] is True  # 7 ≥ 5; the 5 screened out do not make up a sample
        questions = {q["code"]: (q["answered"], q["positive"], q["dont_know"]) for q in row["questions"]}
        # answers(): q2 yes, q3 rather_yes, q4 no, q5 dont_know on every counted response.
        assert questions["q2_documents"] == (7, 7, 0) and questions["q5_support"] == (0, 0, 7)
        assert questions["q1_process"] == (6, 4, 1)

    async def test_by_channel(self, client: httpx.AsyncClient, screened: None) -> None:
        rows = {r["channel"]: r for r in await figures(client, org_unit="MUR-GP1", group_by="channel")}
        assert list(rows) == ["kiosk", "online", "paper", "phone"]
        assert (rows["kiosk"]["n"], rows["kiosk"]["screened_out"]) == (7, 3)
        # Every paper form screened out: nothing to count, no figure, but the two are reported.
        paper = rows["paper"]
        assert (paper["n"], paper["screened_out"], paper["satisfaction_share"], paper["nps"]) == (0, 2, None, None)

    async def test_the_kpi_roll_up_counts_the_same(self, client: httpx.AsyncClient, screened: None) -> None:
        response = await client.get(
            "/v1/aggregates/org-units", params={"org_units": "RU-MUR,MUR-GP1", "period": "2025Q2"}, headers=FEDERAL
        )
        for row in response.json()["rows"]:
            assert (row["n"], row["satisfied"], row["satisfaction_answered"], row["dont_know"]) == (7, 4, 6, 1)
            assert (row["screened_out"], row["satisfaction_share"], row["nps"]) == (5, 66.7, 28.6)

    async def test_exported_with_who_entered_and_whether_screened_out(
        self, client: httpx.AsyncClient, screened: None
    ) -> None:
        response = await client.get(
            "/v1/exports/responses",
            params={"campaign": "mur-2025", "period": "2025Q2", "dialect": "plain"},
            headers=FEDERAL,
        )
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 12  # stored: every response, counted or not
        assert (
            sorted((r["channel"], r["entered_by"], r["screened_out"]) for r in rows).count(
                ("paper", "operator", "true")
            )
            == 2
        )
        assert {(r["channel"], r["entered_by"]) for r in rows} == {("kiosk", "respondent"), ("paper", "operator")}
        assert sum(r["screened_out"] == "true" for r in rows) == 5
        assert sorted(r["screening"] for r in rows) == sorted(["yes"] * 5 + [""] * 2 + ["no"] * 5)
        assert list(rows[0])[:9] == [
            "id", "org_unit_code", "channel", "entered_by", "submitted_at", "received_at", "clock_skew", "month",
            "screened_out",
        ]  # fmt: skip

    async def test_a_questionnaire_declares_at_most_one(self, client: httpx.AsyncClient) -> None:
        question = {"code": "lately", "type": "screening", "text_ru": "Были в последние полгода?", "required": True}
        two = [question, {**question, "code": "again"}]
        refused = await client.post(
            "/v1/questionnaires", json={"code": "two", "title_ru": "Д", "questions": two}, headers=FEDERAL
        )
        assert refused.status_code == 422
        assert "at most one screening question" in refused.text
        body = {
            "code": "cardio-route",
            "title_ru": "Маршрут ССЗ",
            "questions": [question, {"code": "q1_process", "type": "satisfaction5", "text_ru": "Довольны?"}],
        }
        assert (await client.post("/v1/questionnaires", json=body, headers=FEDERAL)).status_code == 201
        await client.post("/v1/questionnaires/cardio-route/versions/1/publish", headers=FEDERAL)
        await create_campaign(client, code="cardio", questionnaire_code="cardio-route", units=("MUR-GP1",))
        kiosk = await register_kiosk(client, campaign="cardio")
        items = [
            {"id": str(uuid.uuid4()), "submitted_at": MAY, "answers": {"lately": "yes", "q1_process": "no"}},
            {"id": str(uuid.uuid4()), "submitted_at": MAY, "answers": {"lately": "no", "q1_process": "yes"}},
            {"id": str(uuid.uuid4()), "submitted_at": MAY, "answers": {"q1_process": "yes"}},
            {"id": str(uuid.uuid4()), "submitted_at": MAY, "answers": {"lately": "maybe", "q1_process": "yes"}},
        ]
        results = (
            await client.post("/v1/responses/batch", json={"responses": items}, headers=kiosk_auth(kiosk))
        ).json()["results"]
        assert [r["status"] for r in results] == ["accepted", "accepted", "rejected", "rejected"]
        assert [e["pointer"] for e in results[2]["problem"]["errors"]] == ["/responses/2/answers/lately"]
        assert [e["pointer"] for e in results[3]["problem"]["errors"]] == ["/responses/3/answers/lately"]
        [row] = (
            await client.get(
                "/v1/aggregates",
                params={"campaign": "cardio", "org_unit": "MUR-GP1", "period": "2025"},
                headers=FEDERAL,
            )
        ).json()["rows"]
        assert (row["n"], row["screened_out"], row["satisfaction_share"]) == (1, 1, 0.0)


class TestEnteredBy:
    async def test_defaults_by_channel_and_the_operators_word(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client, channels=CHANNELS)
        expected = {"online": "respondent", "phone": "operator", "paper": "operator"}
        for channel, who in expected.items():
            receipt = await client.post("/v1/responses", json=single(channel), headers=MUR_OPERATOR)
            assert receipt.status_code == 201, receipt.text
            assert (receipt.json()["entered_by"], receipt.json()["screened_out"]) == (who, False)
        # An automated phone line (the respondent keys in) and a form the patient typed into at the desk.
        for channel, who in (("phone", "respondent"), ("online", "operator"), ("paper", "respondent")):
            receipt = await client.post("/v1/responses", json=single(channel, entered_by=who), headers=MUR_OPERATOR)
            assert receipt.json()["entered_by"] == who
        kiosk = await client.post("/v1/responses", json=single("kiosk", entered_by="operator"), headers=MUR_OPERATOR)
        assert kiosk.status_code == 422 and kiosk.json()["errors"][0]["pointer"] == "/entered_by"
        nobody = await client.post("/v1/responses", json=single("paper", entered_by="robot"), headers=MUR_OPERATOR)
        assert nobody.status_code == 422
        export = await client.get(
            "/v1/exports/responses",
            params={"campaign": "mur-2025", "period": "2025", "dialect": "plain"},
            headers=FEDERAL,
        )
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert sorted((r["channel"], r["entered_by"]) for r in rows) == [
            ("online", "operator"), ("online", "respondent"), ("paper", "operator"), ("paper", "respondent"),
            ("phone", "operator"), ("phone", "respondent"),
        ]  # fmt: skip

    async def test_a_resend_is_the_body_as_first_sent(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client, channels=CHANNELS)
        body = single("paper")
        assert (await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)).status_code == 201
        again = await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")
        other = await client.post("/v1/responses", json={**body, "entered_by": "respondent"}, headers=MUR_OPERATOR)
        assert other.status_code == 409

    async def test_a_campaign_without_paper_refuses_it(self, client: httpx.AsyncClient) -> None:
        await create_campaign(client, channels=["kiosk", "online"])
        refused = await client.post("/v1/responses", json=single("paper"), headers=MUR_OPERATOR)
        assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "/channel"


class TestPurpose:
    async def test_set_read_listed_and_changed(self, client: httpx.AsyncClient) -> None:
        created = await create_campaign(client, code="kya-self", units=("KYA-GP4",), purpose="self_assessment")
        assert created["purpose"] == "self_assessment"
        await create_campaign(client, code="mur-monitoring", units=("MUR-GP1",))
        listed = await client.get("/v1/campaigns", params={"purpose": "self_assessment"}, headers=FEDERAL)
        assert [c["code"] for c in listed.json()["items"]] == ["kya-self"]
        changed = await client.patch(
            "/v1/campaigns/mur-monitoring", json={"purpose": "self_assessment"}, headers=MUR_ADMIN
        )
        assert changed.json()["purpose"] == "self_assessment"
        bad = await client.post(
            "/v1/campaigns",
            json={
                "code": "x",
                "questionnaire_code": "nsi-standard",
                "org_unit_codes": ["MUR-GP1"],
                "starts_on": "2025-01-01",
                "ends_on": "2025-12-31",
                "channels": ["kiosk"],
                "purpose": "curiosity",
            },
            headers=FEDERAL,
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/purpose"
