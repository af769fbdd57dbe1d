from __future__ import annotations

import httpx
import pytest

from .conftest import FEDERAL, MUR_ADMIN, MUR_ANALYST, MUR_OPERATOR, create_indicator, indicator


class TestCreate:
    async def test_input_indicator_gets_default_aggregations(self, client: httpx.AsyncClient) -> None:
        body = await create_indicator(client, "VISITS", periodicity="month")
        assert body["aggregation"] == "sum"
        assert body["time_aggregation"] == "sum"
        assert body["thresholds"] == {"on_track_ratio": 0.95, "at_risk_ratio": 0.85}
        assert body["source"] == "manual"
        assert body["version"] == 1

    async def test_formula_indicator_keeps_its_first_version(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "PHYSICIANS")
        await create_indicator(client, "POSITIONS")
        body = await create_indicator(client, "STAFFING", formula="PHYSICIANS / POSITIONS * 100 * 1.2", unit="%")
        assert body["kind"] == "formula"
        assert body["aggregation"] is None
        assert [v["formula"] for v in body["formula_versions"]] == ["PHYSICIANS / POSITIONS * 100 * 1.2"]

    async def test_regional_admin_writes_the_catalogue_operator_and_analyst_do_not(
        self, client: httpx.AsyncClient
    ) -> None:
        assert (await client.post("/v1/indicators", json=indicator("A1"), headers=MUR_ADMIN)).status_code == 201
        for headers in (MUR_OPERATOR, MUR_ANALYST):
            response = await client.post("/v1/indicators", json=indicator("A2"), headers=headers)
            assert response.status_code == 403
            response = await client.patch("/v1/indicators/A1", json={"name_ru": "x"}, headers=headers)
            assert response.status_code == 403

    async def test_duplicate_code_is_409(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "A1")
        response = await client.post("/v1/indicators", json=indicator("A1"), headers=FEDERAL)
        assert response.status_code == 409

    @pytest.mark.parametrize(
        ("formula", "fragment"),
        [
            ("PHYSICIANS / ", "position"),
            ("PHYSICIANS / NURSES", "NURSES"),
            ("PHYSICIANS $ 2", "position"),
            ("STAFFING * 2", "STAFFING"),
        ],
    )
    async def test_bad_formula_is_422_at_formula(self, client: httpx.AsyncClient, formula: str, fragment: str) -> None:
        await create_indicator(client, "PHYSICIANS")
        response = await client.post("/v1/indicators", json=indicator("STAFFING", formula=formula), headers=FEDERAL)
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["errors"][0]["pointer"] == "/formula"
        assert fragment in body["detail"]

    async def test_cycle_through_an_update_is_422_naming_the_cycle(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "X")
        await create_indicator(client, "A", formula="X * 2")
        await create_indicator(client, "B", formula="A + 1")
        response = await client.patch(
            "/v1/indicators/A", json={"formula": "B * 2", "effective_from": "2025-01-01"}, headers=FEDERAL
        )
        assert response.status_code == 422
        body = response.json()
        assert body["errors"][0]["pointer"] == "/formula"
        assert "A → B → A" in body["detail"]
        assert body["codes"] == ["A", "B", "A"]

    async def test_growth_rate_of_itself_through_prev_is_allowed(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "VISITS", periodicity="month")
        await create_indicator(client, "GROWTH", formula="(VISITS - prev(VISITS)) * 100 / prev(VISITS)")

    async def test_formula_cannot_use_a_coarser_indicator(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "YEARLY", periodicity="year")
        response = await client.post(
            "/v1/indicators", json=indicator("M", formula="YEARLY * 2", periodicity="month"), headers=FEDERAL
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/formula"

    @pytest.mark.parametrize(
        ("overrides", "pointer"),
        [
            ({"kind": "input", "formula": "A"}, "/formula"),
            ({"kind": "formula"}, "/formula"),
            ({"aggregation": "median"}, "/aggregation"),
            ({"periodicity": "week"}, "/periodicity"),
            ({"code": "lower"}, "/code"),
            ({"declared_min": 10, "declared_max": 1}, "/declared_min"),
            ({"thresholds": {"on_track_ratio": 0.8, "at_risk_ratio": 0.9}}, "/thresholds"),
        ],
    )
    async def test_invalid_bodies_are_422_with_pointer(
        self, client: httpx.AsyncClient, overrides: dict[str, object], pointer: str
    ) -> None:
        response = await client.post("/v1/indicators", json=indicator("Q1") | overrides, headers=FEDERAL)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"].startswith(pointer)


class TestUpdate:
    async def test_formula_change_adds_a_version_and_needs_effective_from(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "A")
        await create_indicator(client, "B")
        await create_indicator(client, "F", formula="A / B")
        response = await client.patch("/v1/indicators/F", json={"formula": "A / B * 100"}, headers=FEDERAL)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/effective_from"
        response = await client.patch(
            "/v1/indicators/F",
            json={"formula": "A / B * 100", "effective_from": "2025-01-01"},
            headers={**FEDERAL, "If-Match": 'W/"1"'},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["formula"] == "A / B * 100"
        assert [(v["formula"], v["effective_from"]) for v in body["formula_versions"]] == [
            ("A / B", "1900-01-01"),
            ("A / B * 100", "2025-01-01"),
        ]
        assert response.headers["etag"] == 'W/"2"'

    async def test_stale_if_match_is_409(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "A")
        first = await client.patch("/v1/indicators/A", json={"name_ru": "one"}, headers=FEDERAL)
        assert first.status_code == 200
        response = await client.patch(
            "/v1/indicators/A", json={"name_ru": "two"}, headers={**FEDERAL, "If-Match": 'W/"1"'}
        )
        assert response.status_code == 409

    async def test_kind_cannot_change(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "A")
        response = await client.patch("/v1/indicators/A", json={"kind": "formula"}, headers=FEDERAL)
        assert response.status_code == 422


class TestRead:
    async def test_list_get_and_unknown(self, client: httpx.AsyncClient) -> None:
        for code in ("C", "A", "B"):
            await create_indicator(client, code)
        response = await client.get("/v1/indicators", params={"limit": 2}, headers=MUR_ANALYST)
        assert [i["code"] for i in response.json()["items"]] == ["A", "B"]
        cursor = response.json()["next_cursor"]
        response = await client.get("/v1/indicators", params={"cursor": cursor}, headers=MUR_ANALYST)
        assert [i["code"] for i in response.json()["items"]] == ["C"]
        assert (await client.get("/v1/indicators/B", headers=MUR_ANALYST)).json()["code"] == "B"
        assert (await client.get("/v1/indicators/NOPE", headers=MUR_ANALYST)).status_code == 404
