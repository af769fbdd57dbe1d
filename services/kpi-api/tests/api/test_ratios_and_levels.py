"""Entered ratios (numerator and denominator, rolled up as ratios of sums over org units and time) and
reporting levels (values at one level only; a parent's own value never added to its children's).

Hand-computed: SCREENED (ratio × 100), MUR-A 30/40 in Q1 and 45/60 in Q2, MUR-B 10/20 in Q2, KYA-A 1/3.
- RU-MUR 2025Q2: (45 + 10) ÷ (60 + 20) = 68.75 → 68.8 (the average of 75 and 50 would be 62.5);
- MUR-A first half (ytd Q2): (30 + 45) ÷ (40 + 60) = 75.0; RU-MUR first half: (30 + 45 + 10) ÷ (40 + 60 + 20)
  = 85 ÷ 120 = 70.83 → 70.8 (the average of the three shares 75, 75, 50 would be 66.7);
- the year 2025 (Q1 and Q2 only): the same 70.8; KYA-A stores 33.333333 (six places).
VISITS_PER_RESIDENT (ratio × 1): MUR-A 4900 visits / 1000 residents, MUR-B 300 / 100, KYA-A 500 / 100:
  RU = 5700 ÷ 1200 = 4.75 (not 4.9 + 3 + 5 = 12.9).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, MUR_ADMIN, MUR_OPERATOR, create_indicator, item, post_values

pytestmark = pytest.mark.usefixtures("org_tree")


def ratio(code: str, unit: str, period: str, numerator: Any, denominator: Any, **extra: Any) -> dict[str, Any]:
    body = {"indicator_code": code, "org_unit_code": unit, "period": period, "numerator": numerator}
    return {**body, "denominator": denominator, **extra}


async def rows(client: httpx.AsyncClient, **params: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    response = await client.get("/v1/analytics", params=params, headers=FEDERAL)
    assert response.status_code == 200, response.text
    return {(r["indicator_code"], r["org_unit_code"], r["period"]): r for r in response.json()["rows"]}


@pytest.fixture
async def shares(client: httpx.AsyncClient) -> None:
    await create_indicator(client, "SCREENED", unit="%", aggregation="ratio", precision=1)
    await create_indicator(client, "VISITS_PER_RESIDENT", unit="visits", aggregation="ratio", scale=1, precision=2)
    results = await post_values(
        client,
        [
            ratio("SCREENED", "MUR-A", "2025Q1", 30, 40),
            ratio("SCREENED", "MUR-A", "2025Q2", 45, 60),
            ratio("SCREENED", "MUR-B", "2025Q2", 10, 20),
            ratio("SCREENED", "KYA-A", "2025Q2", 1, 3),
            ratio("VISITS_PER_RESIDENT", "MUR-A", "2025Q2", 4900, 1000),
            ratio("VISITS_PER_RESIDENT", "MUR-B", "2025Q2", 300, 100),
            ratio("VISITS_PER_RESIDENT", "KYA-A", "2025Q2", 500, 100),
        ],
        submit=True,
    )
    assert [r["status"] for r in results] == ["created"] * 7, results


class TestEnteredRatios:
    async def test_the_value_is_computed_from_the_counts(self, client: httpx.AsyncClient, shares: None) -> None:
        listed = await client.get("/v1/values", params={"indicator": "SCREENED", "org_unit": "KYA-A"}, headers=FEDERAL)
        value = listed.json()["items"][0]
        assert (value["value"], value["numerator"], value["denominator"]) == (33.333333, 1, 3)
        indicator = (await client.get("/v1/indicators/SCREENED", headers=FEDERAL)).json()
        assert (indicator["aggregation"], indicator["time_aggregation"], indicator["scale"]) == ("ratio", "ratio", 100)

    async def test_roll_ups_over_units_and_time_are_ratios_of_sums(
        self, client: httpx.AsyncClient, shares: None
    ) -> None:
        found = await rows(
            client, indicators="SCREENED,VISITS_PER_RESIDENT", org_units="RU,RU-MUR,MUR-A", periods="2025Q2"
        )
        mur = found[("SCREENED", "RU-MUR", "2025Q2")]
        assert (mur["value"], mur["numerator"], mur["denominator"], mur["reported_units"]) == (68.8, 55, 80, 2)
        federation = found[("VISITS_PER_RESIDENT", "RU", "2025Q2")]
        assert (federation["value"], federation["numerator"], federation["denominator"]) == (4.75, 5700, 1200)
        ytd = await rows(client, indicators="SCREENED", org_units="RU-MUR,MUR-A", periods="2025Q2", ytd="true")
        half = ytd[("SCREENED", "RU-MUR", "2025Q2")]
        assert (half["value"], half["numerator"], half["denominator"]) == (70.8, 85, 120)
        assert ytd[("SCREENED", "MUR-A", "2025Q2")]["value"] == 75
        year = await rows(client, indicators="SCREENED", org_units="RU-MUR", periods="2025")
        assert year[("SCREENED", "RU-MUR", "2025")]["value"] == 70.8

    async def test_a_formula_reads_the_ratio_of_sums(self, client: httpx.AsyncClient, shares: None) -> None:
        await create_indicator(client, "UNSCREENED", formula="100 - SCREENED", unit="%")
        found = await rows(client, indicators="UNSCREENED", org_units="RU-MUR", periods="2025Q2")
        assert found[("UNSCREENED", "RU-MUR", "2025Q2")]["value"] == 31.3  # 100 − 68.75, rounded once

    async def test_the_export_carries_the_counts(self, client: httpx.AsyncClient, shares: None) -> None:
        response = await client.get(
            "/v1/analytics/export",
            params={"indicators": "SCREENED", "org_units": "RU-MUR", "periods": "2025Q2", "dialect": "plain"},
            headers=FEDERAL,
        )
        text = response.content.decode("utf-8-sig")
        header, line = text.splitlines()[:2]
        cells = dict(zip(header.split(","), line.split(","), strict=True))
        assert (cells["value"], cells["numerator"], cells["denominator"]) == ("68.8", "55", "80")

    @pytest.mark.parametrize(
        ("fields", "pointer", "words"),
        [
            ({"numerator": 3}, "/items/0/denominator", "both numerator and denominator"),
            ({"denominator": 3}, "/items/0/numerator", "both numerator and denominator"),
            ({"value": 50}, "/items/0/numerator", "both numerator and denominator"),
            ({"numerator": 3, "denominator": 0}, "/items/0/denominator", "zero"),
            ({"numerator": -3, "denominator": 10}, "/items/0/numerator", "negative"),
            ({"numerator": 1, "denominator": 3, "value": 40}, "/items/0/value", "33.3"),
        ],
    )
    async def test_bad_counts_are_422_with_a_pointer(
        self, client: httpx.AsyncClient, shares: None, fields: dict[str, Any], pointer: str, words: str
    ) -> None:
        body = {"indicator_code": "SCREENED", "org_unit_code": "MUR-A", "period": "2025Q3", **fields}
        good = ratio("SCREENED", "MUR-B", "2025Q3", 1, 4)
        results = await post_values(client, [body, good])
        assert results[0]["status"] == "rejected" and results[0]["problem"]["status"] == 422, results[0]
        error = results[0]["problem"]["errors"][0]
        assert error["pointer"] == pointer and words in error["message"], error
        assert results[1]["status"] == "created"

    async def test_a_value_that_agrees_is_accepted(self, client: httpx.AsyncClient, shares: None) -> None:
        results = await post_values(client, [ratio("SCREENED", "MUR-A", "2025Q3", 1, 3, value=33.3)])
        assert results[0]["status"] == "created", results

    async def test_counts_on_a_plain_indicator_are_refused(self, client: httpx.AsyncClient, shares: None) -> None:
        await create_indicator(client, "BEDS")
        results = await post_values(client, [{**item("BEDS", "MUR-A", "2025Q2", 5), "numerator": 1}])
        assert results[0]["problem"]["errors"][0]["pointer"] == "/items/0/numerator"
        missing = await post_values(client, [{"indicator_code": "BEDS", "org_unit_code": "MUR-A", "period": "2025Q2"}])
        assert missing[0]["problem"]["errors"][0]["pointer"] == "/items/0/value"

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"aggregation": "ratio", "time_aggregation": "last"}, "/time_aggregation"),
            ({"aggregation": "sum", "time_aggregation": "ratio"}, "/time_aggregation"),
            ({"scale": 10}, "/scale"),
            ({"aggregation": "ratio", "scale": 0}, "/scale"),
            ({"formula": "A", "scale": 100}, "/scale"),
        ],
    )
    async def test_bad_ratio_definitions_are_422(
        self, client: httpx.AsyncClient, body: dict[str, Any], pointer: str
    ) -> None:
        await create_indicator(client, "A")
        payload = {"code": "X", "name_ru": "X", "unit": "%", "kind": "formula" if "formula" in body else "input",
                   "direction": "higher_is_better", "periodicity": "quarter", **body}  # fmt: skip
        response = await client.post("/v1/indicators", json=payload, headers=FEDERAL)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == pointer

    async def test_switching_to_or_from_ratio_once_values_exist_is_409(
        self, client: httpx.AsyncClient, shares: None
    ) -> None:
        response = await client.patch("/v1/indicators/SCREENED", json={"aggregation": "sum"}, headers=FEDERAL)
        assert response.status_code == 409 and response.json()["reason"] == "values_exist", response.text
        await create_indicator(client, "EMPTY")
        response = await client.patch(
            "/v1/indicators/EMPTY", json={"aggregation": "ratio", "scale": 1000}, headers=FEDERAL
        )
        assert response.status_code == 200, response.text
        assert (response.json()["time_aggregation"], response.json()["scale"]) == ("ratio", 1000)


class TestReportingLevel:
    async def test_a_value_at_another_level_is_422(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "BUDGET", reporting_level="region")
        results = await post_values(
            client, [item("BUDGET", "MUR-A", "2025Q2", 5), item("BUDGET", "RU-MUR", "2025Q2", 5)]
        )
        error = results[0]["problem"]["errors"][0]
        assert error["pointer"] == "/items/0/org_unit_code" and "level region" in error["message"], error
        assert "MUR-A is an organisation" in error["message"]
        assert results[1]["status"] == "created"

    async def test_completeness_expects_units_of_the_level(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "BUDGET", reporting_level="region")
        await create_indicator(client, "BEDS", reporting_level="organisation")
        await create_indicator(client, "DISTRICT", reporting_level="municipality")
        await post_values(client, [item("BUDGET", "RU-MUR", "2025Q2", 5)], MUR_ADMIN, submit=True)
        response = await client.get(
            "/v1/completeness", params={"region": "RU-MUR", "period": "2025Q2"}, headers=MUR_OPERATOR
        )
        body = response.json()
        # BUDGET: the region (1); BEDS: MUR-A and MUR-B (2); DISTRICT: two municipalities (2)
        assert (body["expected"], body["received"]) == (5, 1)
        assert {m["org_unit_code"] for m in body["missing"] if m["indicator_code"] == "DISTRICT"} == {
            "RU-MUR-MUR",
            "RU-MUR-MON",
        }

    async def test_only_values_of_the_level_roll_up(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "BEDS")
        # Entered before the level was fixed: a region's own total beside its organisations'.
        await post_values(
            client,
            [
                item("BEDS", "RU-MUR", "2025Q2", 500),
                item("BEDS", "MUR-A", "2025Q2", 60),
                item("BEDS", "MUR-B", "2025Q2", 40),
            ],
            submit=True,
        )
        found = await rows(client, indicators="BEDS", org_units="RU-MUR", periods="2025Q2")
        assert found[("BEDS", "RU-MUR", "2025Q2")]["value"] == 100  # the own 500 is shadowed, never added
        assert (
            await client.patch("/v1/indicators/BEDS", json={"reporting_level": "region"}, headers=FEDERAL)
        ).status_code == 200
        found = await rows(client, indicators="BEDS", org_units="RU-MUR,MUR-A", periods="2025Q2")
        assert found[("BEDS", "RU-MUR", "2025Q2")]["value"] == 500
        assert found[("BEDS", "MUR-A", "2025Q2")]["value"] is None

    async def test_without_a_level_a_parents_own_value_stands_in_for_silent_children(
        self, client: httpx.AsyncClient
    ) -> None:
        """RU-MUR-MUR reported its own 70 (its organisation MUR-A did not); RU-MUR-MON's MUR-B reported 40
        and the municipality its own 45 too: the region is 70 + 40 = 110 — never 70 + 40 + 45."""
        await create_indicator(client, "BEDS")
        await post_values(
            client,
            [
                item("BEDS", "RU-MUR-MUR", "2025Q2", 70),
                item("BEDS", "RU-MUR-MON", "2025Q2", 45),
                item("BEDS", "MUR-B", "2025Q2", 40),
            ],
            submit=True,
        )
        found = await rows(client, indicators="BEDS", org_units="RU-MUR,RU-MUR-MUR,RU-MUR-MON,MUR-B", periods="2025Q2")
        values = {unit: r["value"] for (_, unit, _), r in found.items()}
        assert values == {"RU-MUR": 110, "RU-MUR-MUR": 70, "RU-MUR-MON": 40, "MUR-B": 40}
        assert found[("BEDS", "RU-MUR", "2025Q2")]["reported_units"] == 2
        # A draft below does not shadow a submitted value above (the filter applies to both).
        await post_values(client, [item("BEDS", "MUR-A", "2025Q2", 1)])
        found = await rows(client, indicators="BEDS", org_units="RU-MUR", periods="2025Q2")
        assert found[("BEDS", "RU-MUR", "2025Q2")]["value"] == 110

    async def test_a_regions_own_indicator_takes_values_from_that_region_only(self, client: httpx.AsyncClient) -> None:
        created = await client.post(
            "/v1/indicators",
            json={
                "code": "MUR_ONLY",
                "name_ru": "Свой",
                "unit": "ед.",
                "kind": "input",
                "direction": "higher_is_better",
                "periodicity": "quarter",
            },
            headers=MUR_ADMIN,
        )
        assert created.status_code == 201
        results = await post_values(
            client, [item("MUR_ONLY", "KYA-A", "2025Q2", 1), item("MUR_ONLY", "MUR-A", "2025Q2", 1)]
        )
        error = results[0]["problem"]["errors"][0]
        assert error["pointer"] == "/items/0/org_unit_code" and "RU-MUR" in error["message"]
        assert results[1]["status"] == "created"
