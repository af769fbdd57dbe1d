"""Org units as the programmes describe them: subordination, settlement type, population figures by
date as formula denominators (ratio of sums), the Murmansk differentiation group, analytics filtered by
kind and subordination. Figures are hand-computed in the comments."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kpi_api.analytics.schemas import AnalyticsRow

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_ANALYST, MUR_OPERATOR, create_indicator, item, post_values

pytestmark = pytest.mark.usefixtures("org_tree")


async def population(
    client: httpx.AsyncClient,
    code: str,
    as_of: str,
    value: Any,
    status: int = 201,
    headers: dict[str, str] = FEDERAL,
    **extra: Any,
) -> Any:
    response = await client.post(
        f"/v1/org-units/{code}/population", json={"as_of": as_of, "value": value, **extra}, headers=headers
    )
    assert response.status_code == status, response.text
    return response.json()


async def analytics(client: httpx.AsyncClient, **params: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    response = await client.get("/v1/analytics", params=params, headers=FEDERAL)
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert all(list(row) == list(AnalyticsRow.model_fields) for row in rows)  # pulled fields in their places
    return {(r["indicator_code"], r["org_unit_code"], r["period"]): r for r in rows}


async def _setup(client: httpx.AsyncClient) -> None:
    await client.patch(
        "/v1/org-units/MUR-A", json={"kind": "adult_polyclinic", "subordination": "municipal"}, headers=FEDERAL
    )
    await client.patch(
        "/v1/org-units/MUR-B",
        json={"kind": "hospital", "subordination": "regional", "settlement_type": "small_town"},
        headers=FEDERAL,
    )
    await population(client, "MUR-A", "2025-01-01", 12000)
    await population(client, "MUR-B", "2025-01-01", 8000, headers=MUR_OPERATOR)
    await population(client, "MUR-A", "2025-07-01", 13000)
    await create_indicator(client, "DOCTORS")
    await create_indicator(client, "PER_10K", formula="DOCTORS * 10000 / POPULATION_ATTACHED", unit="на 10 тыс.")
    await post_values(
        client,
        [
            item("DOCTORS", "MUR-A", "2025Q2", 30),
            item("DOCTORS", "MUR-B", "2025Q2", 10),
            item("DOCTORS", "MUR-A", "2025Q3", 30),
            item("DOCTORS", "MUR-B", "2025Q3", 10),
        ],
        submit=True,
    )


class TestPopulationAsDenominator:
    async def test_per_10k_is_a_ratio_of_sums_with_the_latest_figure(self, client: httpx.AsyncClient) -> None:
        await _setup(client)
        rows = await analytics(
            client, indicators="PER_10K,POPULATION_ATTACHED", org_units="RU-MUR,MUR-A", periods="2025Q2,2025Q3"
        )
        # Q2: the 1 July figure is after 30 June: 40 doctors × 10 000 ÷ (12 000 + 8 000) = 20.
        q2 = rows[("PER_10K", "RU-MUR", "2025Q2")]
        assert (q2["value"], q2["numerator"], q2["denominator"]) == (20, 40, 20000)
        assert rows[("POPULATION_ATTACHED", "RU-MUR", "2025Q2")]["value"] == 20000
        assert rows[("POPULATION_ATTACHED", "RU-MUR", "2025Q2")]["n"] == 2
        # Q3: 40 × 10 000 ÷ (13 000 + 8 000) = 19.047… → 19.0; not the mean of 23.1 and 12.5.
        q3 = rows[("PER_10K", "RU-MUR", "2025Q3")]
        assert (q3["value"], q3["denominator"]) == (19.0, 21000)
        assert rows[("PER_10K", "MUR-A", "2025Q3")]["value"] == 23.1  # 30 × 10 000 ÷ 13 000 = 23.08
        # Before any figure: no value, with the reason.
        early = await analytics(client, indicators="PER_10K", org_units="RU-MUR", periods="2024Q4")
        assert early[("PER_10K", "RU-MUR", "2024Q4")]["reason"] == "missing_input:DOCTORS"

    async def test_analytics_filtered_by_kind_and_subordination(self, client: httpx.AsyncClient) -> None:
        await _setup(client)
        adult = await analytics(
            client, indicators="PER_10K,DOCTORS", org_units="RU-MUR", periods="2025Q2", kind="adult_polyclinic"
        )
        # Only MUR-A rolls up: 30 × 10 000 ÷ 12 000 = 25.
        assert adult[("PER_10K", "RU-MUR", "2025Q2")]["value"] == 25
        assert adult[("DOCTORS", "RU-MUR", "2025Q2")]["value"] == 30
        regional = await analytics(
            client, indicators="PER_10K", org_units="RU-MUR", periods="2025Q2", subordination="regional"
        )
        assert regional[("PER_10K", "RU-MUR", "2025Q2")]["value"] == 12.5  # 10 × 10 000 ÷ 8 000
        both = await analytics(
            client,
            indicators="DOCTORS",
            org_units="RU-MUR",
            periods="2025Q2",
            kind="hospital,adult_polyclinic",
            subordination="municipal",
        )
        assert both[("DOCTORS", "RU-MUR", "2025Q2")]["value"] == 30
        none = await analytics(
            client, indicators="DOCTORS", org_units="RU-MUR", periods="2025Q2", subordination="federal"
        )
        assert none[("DOCTORS", "RU-MUR", "2025Q2")]["value"] is None
        bad = await client.get(
            "/v1/analytics",
            params={"indicators": "DOCTORS", "org_units": "RU-MUR", "periods": "2025Q2", "subordination": "state"},
            headers=FEDERAL,
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/query/subordination"


class TestFigures:
    async def test_one_level_per_branch_and_replacing_a_date(self, client: httpx.AsyncClient) -> None:
        await population(client, "MUR-A", "2025-01-01", 12000)
        again = await population(client, "MUR-A", "2025-01-01", 12100, status=200)
        assert again["attached"]["value"] == 12100 and len(again["figures"]) == 1
        conflict = await population(client, "RU-MUR-MUR", "2025-01-01", 300000, status=409)
        assert conflict["reason"] == "population_in_lineage" and conflict["org_unit_code"] == "MUR-A"
        # Resident population is another kind: the region may keep it.
        await population(client, "RU-MUR", "2025-01-01", 658000, kind="resident", source="Росстат")

    @pytest.mark.parametrize(
        ("people", "group", "coefficient"),
        [
            (1999, 1, 1.14),
            (2000, 2, 1.13),
            (4310, 2, 1.13),
            (9999, 3, 1.12),
            (10000, 4, 1.113),
            (34999, 5, 1.075),
            (35000, 6, 1.04),
            (50000, None, None),
        ],
    )
    async def test_differentiation_groups(
        self, client: httpx.AsyncClient, people: int, group: int | None, coefficient: float | None
    ) -> None:
        await client.patch("/v1/org-units/MUR-B", json={"settlement_type": "rural"}, headers=FEDERAL)
        answer = await population(client, "MUR-B", "2025-01-01", people)
        assert answer["differentiation"]["group"] == group
        assert answer["differentiation"]["coefficient"] == coefficient
        assert answer["differentiation"]["applies"] is True
        read = await client.get("/v1/org-units/MUR-B/population", headers=MUR_ANALYST)
        assert read.json()["settlement_type"] == "rural"

    async def test_urban_units_are_outside_the_coefficient(self, client: httpx.AsyncClient) -> None:
        await client.patch("/v1/org-units/MUR-A", json={"settlement_type": "urban"}, headers=FEDERAL)
        answer = await population(client, "MUR-A", "2025-01-01", 4000)
        assert answer["differentiation"] == {
            "group": 2,
            "coefficient": 1.13,
            "band_ru": "от 2 000 до 5 000 человек",
            "applies": False,
        }

    async def test_scope_roles_and_bad_input(self, client: httpx.AsyncClient) -> None:
        await population(client, "MUR-A", "2025-01-01", 100, status=403, headers=KYA_ADMIN)
        await population(client, "MUR-A", "2025-01-01", 100, status=403, headers=MUR_ANALYST)
        await population(client, "MUR-A", "2025-01-01", 100, headers=MUR_ADMIN)
        assert (await population(client, "MUR-A", "2025-01-01", -5, status=422))["errors"][0]["pointer"] == "/value"
        await population(client, "NOPE", "2025-01-01", 5, status=404)
        assert (await population(client, "MUR-A", "2025-02-30", 5, status=422))["errors"][0]["pointer"] == "/as_of"
        history = await client.get("/v1/org-units/MUR-A/population", headers=FEDERAL)
        assert history.json()["figures"][0]["updated_by"] == "mur-admin"


class TestOrgUnitAttributes:
    async def test_subordination_and_settlement_type(self, client: httpx.AsyncClient) -> None:
        body = {
            "code": "MUR-C",
            "name_ru": "Поликлиника В",
            "level": "organisation",
            "parent_code": "RU-MUR-MUR",
            "kind": "children_polyclinic",
            "subordination": "regional",
            "settlement_type": "urban_type_settlement",
        }
        created = await client.post("/v1/org-units", json=body, headers=FEDERAL)
        assert created.status_code == 201, created.text
        assert created.json()["subordination"] == "regional"
        department = await client.post(
            "/v1/org-units",
            json={"code": "MUR-C-1", "name_ru": "Отделение", "level": "subdivision", "parent_code": "MUR-C"},
            headers=FEDERAL,
        )
        assert department.json()["subordination"] == "regional"  # inherited from its organisation
        bad = await client.post(
            "/v1/org-units", json=body | {"code": "MUR-D", "subordination": "state"}, headers=FEDERAL
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/subordination"
        changed = await client.patch("/v1/org-units/MUR-C", json={"subordination": "municipal"}, headers=FEDERAL)
        assert changed.json()["subordination"] == "municipal"

    async def test_list_by_kind_subordination_and_settlement(self, client: httpx.AsyncClient) -> None:
        await client.patch(
            "/v1/org-units/MUR-A", json={"kind": "adult_polyclinic", "subordination": "municipal"}, headers=FEDERAL
        )
        await client.patch(
            "/v1/org-units/MUR-B", json={"subordination": "regional", "settlement_type": "rural"}, headers=FEDERAL
        )
        found = await client.get("/v1/org-units", params={"subordination": "municipal"}, headers=MUR_ANALYST)
        assert [u["code"] for u in found.json()["items"]] == ["MUR-A"]
        rural = await client.get("/v1/org-units", params={"settlement_type": "rural"}, headers=MUR_ANALYST)
        assert [u["code"] for u in rural.json()["items"]] == ["MUR-B"]
        kind = await client.get(
            "/v1/org-units", params={"kind": "adult_polyclinic", "under": "RU-MUR"}, headers=FEDERAL
        )
        assert [u["code"] for u in kind.json()["items"]] == ["MUR-A"]
        bad = await client.get("/v1/org-units", params={"subordination": "state"}, headers=FEDERAL)
        assert bad.status_code == 422


class TestFormulaFirst:
    async def test_a_formula_may_name_the_population_before_any_figure(self, client: httpx.AsyncClient) -> None:
        listed = await client.get("/v1/indicators", headers=FEDERAL)
        assert "POPULATION_ATTACHED" not in {i["code"] for i in listed.json()["items"]}
        await create_indicator(client, "DOCTORS")
        await create_indicator(client, "PER_10K", formula="DOCTORS * 10000 / POPULATION_ATTACHED")
        await post_values(client, [item("DOCTORS", "MUR-A", "2025Q2", 30)], submit=True)
        rows = await analytics(client, indicators="PER_10K,POPULATION_ATTACHED", org_units="MUR-A", periods="2025Q2")
        assert rows[("POPULATION_ATTACHED", "MUR-A", "2025Q2")]["reason"] == "no_population_figure"
        assert rows[("PER_10K", "MUR-A", "2025Q2")]["reason"] == "missing_input:POPULATION_ATTACHED"
        await population(client, "MUR-A", "2025-04-01", 15000)
        rows = await analytics(client, indicators="PER_10K", org_units="MUR-A", periods="2025Q2")
        assert rows[("PER_10K", "MUR-A", "2025Q2")]["value"] == 20  # 30 × 10 000 ÷ 15 000
        source = await client.get("/v1/indicators/POPULATION_ATTACHED", headers=FEDERAL)
        assert source.json()["source"] == "population"
        refused = await client.post(
            "/v1/indicators",
            json={
                "code": "MY_POP",
                "name_ru": "x",
                "unit": "чел.",
                "kind": "input",
                "direction": "higher_is_better",
                "periodicity": "month",
                "source": "population",
            },
            headers=FEDERAL,
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "/source"
