"""Chart endpoints: images of the right type and size, ETag 304, and the figures drawn equal to analytics."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, create_indicator, item, post_values

QUARTERS = ("2025Q1", "2025Q2", "2025Q3")


@pytest.fixture
async def waits(client: httpx.AsyncClient, org_tree: None) -> None:
    """Waiting days (lower is better) with a 2025 target of 10 days; MUR-A reports Q1 and Q3 only, so Q2
    has no value. (Target ranges are drawn when analytics gives target_low/high; kpi-api stores none yet.)"""
    await create_indicator(
        client, "WAIT_DAYS", direction="lower_is_better", aggregation="average", time_aggregation="average"
    )
    targets = [
        {"org_unit_code": "RU-MUR", "period": "2025", "target": 10},
        {"org_unit_code": "MUR-A", "period": "2025", "target": 10},
        {"org_unit_code": "RU-MUR-MUR", "period": "2025", "target": 10},
        {"org_unit_code": "RU-MUR-MON", "period": "2025", "target": 10},
    ]
    put = await client.put("/v1/indicators/WAIT_DAYS/targets", json={"items": targets}, headers=FEDERAL)
    assert put.status_code == 200, put.text
    results = await post_values(
        client,
        [
            item("WAIT_DAYS", "MUR-A", "2025Q1", 12, comment="врач в отпуске"),
            item("WAIT_DAYS", "MUR-A", "2025Q3", 8),
            item("WAIT_DAYS", "MUR-B", "2025Q1", 6),
            item("WAIT_DAYS", "MUR-B", "2025Q2", 7),
            item("WAIT_DAYS", "KYA-A", "2025Q1", 30, comment="нет врача"),
        ],
        submit=True,
    )
    assert all(r["status"] == "created" for r in results), results


async def analytics(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/analytics", params={"indicators": "WAIT_DAYS", **params}, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["rows"])


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


class TestIndicatorChart:
    async def test_the_points_drawn_are_the_analytics_rows(self, client: httpx.AsyncClient, waits: None) -> None:
        for unit in ("RU-MUR", "MUR-A"):
            params = {"indicator": "WAIT_DAYS", "org_unit": unit, "periods": ",".join(QUARTERS)}
            drawn = await client.get("/v1/charts/indicator.json", params=params, headers=MUR_ADMIN)
            assert drawn.status_code == 200, drawn.text
            rows = {
                r["period"]: r for r in await analytics(client, MUR_ADMIN, org_units=unit, periods=params["periods"])
            }
            fields = ("value", "target", "target_low", "target_high", "status")
            expected = [{"period": p, **{f: rows[p][f] for f in fields}} for p in QUARTERS]
            assert drawn.json()["points"] == expected
        assert [p["value"] for p in drawn.json()["points"]] == [12, None, 8]
        assert drawn.json()["title"] == "Показатель WAIT_DAYS — Поликлиника А"

    async def test_from_to_draws_every_period_between(self, client: httpx.AsyncClient, waits: None) -> None:
        params = {"indicator": "WAIT_DAYS", "org_unit": "RU-MUR", "from": "2025Q1", "to": "2025Q3"}
        points = (await client.get("/v1/charts/indicator.json", params=params, headers=FEDERAL)).json()["points"]
        assert [p["period"] for p in points] == list(QUARTERS)
        assert {p["target"] for p in points} == {10}

    async def test_png_of_the_declared_size_and_304_on_its_etag(self, client: httpx.AsyncClient, waits: None) -> None:
        params = {"indicator": "WAIT_DAYS", "org_unit": "MUR-A", "periods": ",".join(QUARTERS)}
        first = await client.get("/v1/charts/indicator.png", params=params, headers=FEDERAL)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "image/png"
        assert png_size(first.content) == (900, 500)
        etag = first.headers["etag"]
        again = await client.get("/v1/charts/indicator.png", params=params, headers={**FEDERAL, "If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        await post_values(client, [item("WAIT_DAYS", "MUR-A", "2025Q2", 9)], submit=True)
        changed = await client.get(
            "/v1/charts/indicator.png", params=params, headers={**FEDERAL, "If-None-Match": etag}
        )
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag

    async def test_svg_parses_with_russian_labels(self, client: httpx.AsyncClient, waits: None) -> None:
        params = {"indicator": "WAIT_DAYS", "org_unit": "RU-MUR", "periods": ",".join(QUARTERS)}
        response = await client.get("/v1/charts/indicator.svg", params=params, headers=FEDERAL)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(response.content)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        text = "".join(root.itertext())
        assert "Мурманская область" in text
        assert "цель" in text

    async def test_scoped_like_analytics(self, client: httpx.AsyncClient, waits: None) -> None:
        params = {"indicator": "WAIT_DAYS", "org_unit": "MUR-A", "periods": "2025Q1"}
        assert (await client.get("/v1/charts/indicator.png", params=params, headers=KYA_ADMIN)).status_code == 403

    @pytest.mark.parametrize(
        "params",
        [
            {"indicator": "WAIT_DAYS", "org_unit": "MUR-A"},
            {"indicator": "WAIT_DAYS", "org_unit": "MUR-A", "periods": "2025Q5"},
            {"indicator": "WAIT_DAYS", "org_unit": "MUR-A", "from": "2025Q1", "to": "2025"},
            {"indicator": "NOPE", "org_unit": "MUR-A", "periods": "2025Q1"},
        ],
    )
    async def test_bad_queries_are_422(self, client: httpx.AsyncClient, waits: None, params: dict[str, str]) -> None:
        response = await client.get("/v1/charts/indicator.svg", params=params, headers=FEDERAL)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"].startswith("/query/")


class TestLeagueChart:
    async def test_the_rows_drawn_are_analytics_ranked(self, client: httpx.AsyncClient, waits: None) -> None:
        params = {"indicator": "WAIT_DAYS", "parent": "RU-MUR", "period": "2025Q1"}
        drawn = await client.get("/v1/charts/league.json", params=params, headers=FEDERAL)
        assert drawn.status_code == 200, drawn.text
        rows = {r["org_unit_code"]: r for r in await analytics(client, FEDERAL, parent="RU-MUR", periods="2025Q1")}
        got = drawn.json()["rows"]
        # Lower is better: Мончегорск (6 days) before Мурманск (12).
        assert [r["org_unit_code"] for r in got] == ["RU-MUR-MON", "RU-MUR-MUR"]
        for row in got:
            assert (row["value"], row["target"], row["status"]) == tuple(
                rows[row["org_unit_code"]][f] for f in ("value", "target", "status")
            )
        assert [r["name_ru"] for r in got] == ["г. Мончегорск", "г. Мурманск"]

    async def test_a_regional_caller_ranking_regions_sees_its_own(self, client: httpx.AsyncClient, waits: None) -> None:
        params = {"indicator": "WAIT_DAYS", "parent": "RU", "period": "2025Q1"}
        federal = (await client.get("/v1/charts/league.json", params=params, headers=FEDERAL)).json()["rows"]
        assert [r["org_unit_code"] for r in federal] == ["RU-MUR", "RU-KYA"]
        regional = (await client.get("/v1/charts/league.json", params=params, headers=MUR_ADMIN)).json()["rows"]
        assert [r["org_unit_code"] for r in regional] == ["RU-MUR"]

    async def test_png_grows_with_the_rows_and_answers_304(self, client: httpx.AsyncClient, waits: None) -> None:
        params = {"indicator": "WAIT_DAYS", "parent": "RU-MUR", "period": "2025Q1", "level": "organisation"}
        first = await client.get("/v1/charts/league.png", params=params, headers=FEDERAL)
        assert first.status_code == 200, first.text
        assert png_size(first.content) == (900, 500)
        again = await client.get(
            "/v1/charts/league.png", params=params, headers={**FEDERAL, "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        svg = await client.get("/v1/charts/league.svg", params=params, headers=FEDERAL)
        assert "Больница Б" in "".join(ET.fromstring(svg.content).itertext())
