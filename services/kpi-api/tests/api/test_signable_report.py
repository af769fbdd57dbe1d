"""Figures you can sign: the federal quarterly report from approved values only, with the units they
rest on; analytics' data filter and deviations; pulled indicators from the same peer read as the
report's sections.

Hand-computed, RU-MUR in 2025Q2 (MUR-C added beside MUR-A and MUR-B):

- VISITS (sum, target 100): MUR-A 60 approved, MUR-B 40 submitted, MUR-C 1 000 000 a draft (a typo).
  Report: 60 (approved only) → 60 % of target → off_track; 1 of 3 organisations. Analytics: approved
  60, submitted (default) 100, all (drafts: the region's own users only) 1 000 100.
- SCREENED (ratio × 100): MUR-A 30 of 40, MUR-B 10 of 60, both approved → 40 of 100 = 40.0 %
  (not the 45.8 average of 75 % and 16.7 %); 2 of 3 organisations.
- BUDGET (reported by regions): RU-MUR 500 approved → 1 of 1.
- Completeness: expected 3 + 3 + 1 = 7 = Σ expected_units; received 5 (4 approved + 1 submitted);
  approved 4 = Σ approved_units; drafts 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from kpi_api.settings import KpiSettings
from zdrav_shared.testing import auth

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, create_indicator, item, post_values
from .test_sources import figure, survey_row

pytestmark = pytest.mark.usefixtures("org_tree")

MUR_C = {"code": "MUR-C", "name_ru": "Поликлиника В", "level": "organisation", "parent_code": "RU-MUR-MUR"}
KYA_OPERATOR = auth(["mo_operator"], ["RU-KYA"], sub="kya-operator")


async def approve(client: httpx.AsyncClient, value_id: int, headers: dict[str, str] = MUR_ADMIN) -> None:
    response = await client.post(f"/v1/values/{value_id}/approve", headers=headers)
    assert response.status_code == 200, response.text


@pytest.fixture
async def side_by_side(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/org-units", json=MUR_C, headers=FEDERAL)).status_code == 201
    await create_indicator(client, "VISITS", reporting_level="organisation")
    await create_indicator(client, "SCREENED", unit="%", aggregation="ratio", reporting_level="organisation")
    await create_indicator(client, "BUDGET", reporting_level="region")
    targets = {"items": [{"org_unit_code": "RU-MUR", "period": "2025Q2", "target": 100}]}
    assert (await client.put("/v1/indicators/VISITS/targets", json=targets, headers=FEDERAL)).status_code == 200
    ratio = {"numerator": 30, "denominator": 40}
    approved = await post_values(
        client,
        [
            item("VISITS", "MUR-A", "2025Q2", 60),
            {**item("SCREENED", "MUR-A", "2025Q2", None), **ratio},
            {**item("SCREENED", "MUR-B", "2025Q2", None), "numerator": 10, "denominator": 60},
            item("BUDGET", "RU-MUR", "2025Q2", 500),
            {**item("SCREENED", "KYA-A", "2025Q2", None), "numerator": 9, "denominator": 10},
        ],
        submit=True,
    )
    for result in approved[:4]:
        await approve(client, result["id"])
    await approve(client, approved[4]["id"], KYA_ADMIN)
    await post_values(client, [item("VISITS", "MUR-B", "2025Q2", 40)], MUR_OPERATOR, submit=True)
    await post_values(client, [item("VISITS", "MUR-C", "2025Q2", 1_000_000)], MUR_OPERATOR)  # a draft


@pytest.fixture
def peers(settings: KpiSettings) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        mock.get(f"{settings.survey_url}/v1/aggregates/org-units", name="survey")
        mock.get(f"{settings.roadmap_url}/v1/execution/regions", name="roadmap")
        yield mock


def survey_body(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"period": "2025Q2", "campaign_code": None, "minimum_sample": 30, "rows": rows}


def execution_body(due: int, on_time: int, late: int) -> dict[str, Any]:
    total = figure(due, on_time, late)
    return {"as_of": "2025-06-30", "regions": [{"region_code": "RU-MUR", "as_of": "2025-06-30", "total": total,
                                                 "roadmaps": []}]}  # fmt: skip


async def report(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get("/v1/reports/quarterly", params={"period": "2025Q2", **params}, headers=FEDERAL)
    assert response.status_code == 200, response.text
    return dict(response.json())


class TestApprovedOnly:
    async def test_draft_submitted_and_approved_side_by_side(
        self, client: httpx.AsyncClient, side_by_side: None, peers: respx.MockRouter
    ) -> None:
        body = await report(client)
        mur = next(r for r in body["regions"] if r["region_code"] == "RU-MUR")
        rows = {i["indicator_code"]: i for i in mur["indicators"]}
        visits = rows["VISITS"]
        assert (visits["value"], visits["status"]) == (60, "off_track")  # the typo never reaches the report
        assert (visits["approved_units"], visits["expected_units"]) == (1, 3)
        screened = rows["SCREENED"]
        assert (screened["value"], screened["numerator"], screened["denominator"]) == (40, 40, 100)
        assert (screened["approved_units"], screened["expected_units"]) == (2, 3)
        assert (rows["BUDGET"]["value"], rows["BUDGET"]["approved_units"], rows["BUDGET"]["expected_units"]) == (
            500,
            1,
            1,
        )
        done = mur["completeness"]
        assert (done["expected"], done["received"], done["approved"], done["drafts"]) == (7, 5, 4, 1)
        # completeness and the indicator rows agree
        entered = [rows[c] for c in ("VISITS", "SCREENED", "BUDGET")]
        assert sum(r["expected_units"] for r in entered) == done["expected"]
        assert sum(r["approved_units"] for r in entered) == done["approved"]
        kya = next(r for r in body["regions"] if r["region_code"] == "RU-KYA")
        kya_rows = {i["indicator_code"]: i for i in kya["indicators"]}
        assert kya_rows["SCREENED"]["value"] == 90 and kya_rows["SCREENED"]["approved_units"] == 1
        assert kya_rows["BUDGET"]["expected_units"] == 1 and kya_rows["BUDGET"]["approved_units"] == 0

    async def test_the_completeness_endpoint_counts_the_same(
        self, client: httpx.AsyncClient, side_by_side: None
    ) -> None:
        response = await client.get(
            "/v1/completeness", params={"region": "RU-MUR", "period": "2025Q2"}, headers=MUR_ADMIN
        )
        body = response.json()
        assert (body["expected"], body["received"], body["approved"], body["drafts"]) == (7, 5, 4, 1)
        assert {(m["org_unit_code"], m["indicator_code"], m["status"]) for m in body["missing"]} == {
            ("MUR-C", "VISITS", "draft"),
            ("MUR-C", "SCREENED", "missing"),
        }

    async def test_a_region_sees_its_own_indicators_only(self, client: httpx.AsyncClient, side_by_side: None) -> None:
        created = await client.post(
            "/v1/indicators",
            json={
                "code": "MUR_OWN",
                "name_ru": "Свой показатель",
                "unit": "ед.",
                "kind": "input",
                "direction": "higher_is_better",
                "periodicity": "quarter",
            },
            headers=MUR_ADMIN,
        )
        assert created.status_code == 201 and created.json()["owner"] == "RU-MUR"
        body = await report(client)
        codes = {r["region_code"]: {i["indicator_code"] for i in r["indicators"]} for r in body["regions"]}
        assert "MUR_OWN" in codes["RU-MUR"] and "MUR_OWN" not in codes["RU-KYA"]
        kya = next(r for r in body["regions"] if r["region_code"] == "RU-KYA")
        assert kya["completeness"]["expected"] == 1 + 1 + 1  # VISITS, SCREENED (KYA-A), BUDGET (RU-KYA)


def visits_query(**extra: str) -> dict[str, str]:
    return {"indicators": "VISITS", "org_units": "RU-MUR", "periods": "2025Q2", **extra}


class TestAnalyticsData:
    @pytest.mark.parametrize(("data", "value", "units"), [("approved", 60, 1), ("submitted", 100, 2), (None, 100, 2)])
    async def test_approved_and_submitted(
        self, client: httpx.AsyncClient, side_by_side: None, data: str | None, value: int, units: int
    ) -> None:
        params = visits_query(**({"data": data} if data else {}))
        response = await client.get("/v1/analytics", params=params, headers=FEDERAL)
        body = response.json()
        row = body["rows"][0]
        assert (row["value"], row["reported_units"]) == (value, units)
        assert body["data"] == (data or "submitted")
        assert (row["deviation"], row["deviation_pct"]) == (value - 100, float(value - 100))
        assert row["target_low"] is None and row["target_high"] is None

    async def test_drafts_only_for_the_region(self, client: httpx.AsyncClient, side_by_side: None) -> None:
        params = visits_query(data="all")
        mine = await client.get("/v1/analytics", params=params, headers=MUR_ADMIN)
        assert mine.status_code == 200 and mine.json()["rows"][0]["value"] == 1_000_100
        operator = await client.get("/v1/analytics", params={**params, "org_units": "MUR-C"}, headers=MUR_OPERATOR)
        assert operator.json()["rows"][0]["value"] == 1_000_000
        federal = await client.get("/v1/analytics", params=params, headers=FEDERAL)
        assert federal.status_code == 403, federal.text
        assert federal.json()["reason"] == "drafts_outside_region" and "region" in federal.json()["detail"]
        other = await client.get("/v1/analytics", params=params, headers=KYA_ADMIN)
        assert other.status_code == 403
        bad = await client.get("/v1/analytics", params={**params, "data": "drafts"}, headers=MUR_ADMIN)
        assert bad.status_code == 422


class TestOneReadPerPeer:
    async def test_sections_and_pulled_indicators_show_one_figure(
        self, client: httpx.AsyncClient, side_by_side: None, peers: respx.MockRouter
    ) -> None:
        await create_indicator(client, "SAT", unit="%", source="survey", source_metric="satisfaction_share")
        await create_indicator(client, "NPS", unit="NPS", source="survey", source_metric="nps")
        await create_indicator(client, "EXEC", unit="%", source="roadmap", precision=2)
        # The cache says one thing (an earlier refresh: nobody answered, half the tasks done) …
        peers["survey"].respond(json=survey_body([survey_row("RU-MUR", 0, 0, 0, 0, 0, 0)]))
        peers["roadmap"].respond(json=execution_body(4, 2, 0))
        refreshed = await client.post("/v1/sources/refresh", params={"period": "2025Q2"}, headers=FEDERAL)
        assert refreshed.status_code == 200, refreshed.text
        # … the peers now say another: 40 answered (35 gave one of the four answers, 28 satisfied,
        # 5 dont_know); 10 promoters, 5 passives, 25 detractors; 4 of 7 tasks done.
        now = {**survey_row("RU-MUR", 40, 28, 35, 10, 5, 25), "dont_know": 5}
        peers["survey"].respond(json=survey_body([now, survey_row("RU-KYA", 0, 0, 0, 0, 0, 0)]))
        peers["roadmap"].respond(json=execution_body(7, 3, 1))
        body = await report(client)
        mur = next(r for r in body["regions"] if r["region_code"] == "RU-MUR")
        rows = {i["indicator_code"]: i for i in mur["indicators"]}
        assert mur["survey"]["nps"] == -37.5 and rows["NPS"]["value"] == -37.5
        assert (rows["NPS"]["numerator"], rows["NPS"]["denominator"]) == (-15, 40)
        assert mur["survey"]["satisfaction_share"] == 80 and rows["SAT"]["value"] == 80  # 28 ÷ 35
        assert mur["survey"]["dont_know"] == 5 and rows["SAT"]["dont_know"] == 5
        assert mur["roadmaps"]["execution_pct"] == 57.14 and rows["EXEC"]["value"] == 57.14  # 4 ÷ 7
        assert rows["SAT"]["data_as_of"] == body["generated_at"]
        assert rows["SAT"]["approved_units"] is None and rows["SAT"]["expected_units"] is None
        kya = next(r for r in body["regions"] if r["region_code"] == "RU-KYA")
        kya_rows = {i["indicator_code"]: i for i in kya["indicators"]}
        assert kya["survey"]["nps"] is None and kya_rows["NPS"]["reason"] == "no_responses"
        assert kya["roadmaps"]["count"] == 0 and kya_rows["EXEC"]["reason"] == "nothing_due"
        # A peer down: its section is unavailable and its indicators keep the cached figure.
        peers["survey"].respond(status_code=503)
        body = await report(client)
        mur = next(r for r in body["regions"] if r["region_code"] == "RU-MUR")
        rows = {i["indicator_code"]: i for i in mur["indicators"]}
        assert body["sections_unavailable"] == ["survey"] and mur["survey"] is None
        assert rows["NPS"]["value"] is None and rows["NPS"]["reason"] == "no_responses"
        assert rows["EXEC"]["value"] == 57.14
