"""The pulled ``followup_48h`` metric: detractors followed up within 48 h, from roadmap-api's
follow-up summary (respx stands in for roadmap-api), summed up the tree as Σ ÷ Σ."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from kpi_api.settings import KpiSettings

from .conftest import FEDERAL, MUR_ADMIN, FixedClock, create_indicator

pytestmark = pytest.mark.usefixtures("org_tree")


def row(code: str, level: str, within: int, detractors: int) -> dict[str, Any]:
    return {"org_unit_code": code, "region_code": "RU-MUR", "level": level, "period": "2025Q2",
            "detractors": detractors, "followed_up_48h": within,
            "share": within * 100 / detractors if detractors else None,
            "done_late": 0, "pending": 0, "overdue": detractors - within}  # fmt: skip


def summary(request: httpx.Request) -> httpx.Response:
    rows = [
        row("MUR-A", "org_unit", 1, 1),  # 100 %
        row("MUR-B", "org_unit", 1, 3),  # 33.3 %
        row("RU-MUR", "region", 2, 4),
        {**row("RU-KYA", "region", 0, 0), "region_code": "RU-KYA"},
        {**row("RU", "federation", 2, 4), "region_code": None},
    ]
    return httpx.Response(200, json={"period": request.url.params["period"], "as_of": "2025-07-01T09:00:00Z",
                                     "rows": rows})  # fmt: skip


@pytest.fixture
def roadmap(settings: KpiSettings) -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock.get(f"{settings.roadmap_url}/v1/followups/summary").mock(side_effect=summary)


async def values(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get(
        "/v1/analytics",
        params={"indicators": "FUP", "org_units": "RU,RU-MUR,RU-MUR-MUR,MUR-A,MUR-B,RU-KYA", "periods": "2025Q2"},
        headers=FEDERAL,
    )
    assert response.status_code == 200, response.text
    return {r["org_unit_code"]: r for r in response.json()["rows"]}


async def test_pulled_per_org_unit_and_summed_up_the_tree(
    client: httpx.AsyncClient, roadmap: respx.Route, clock: FixedClock
) -> None:
    await create_indicator(client, "FUP", unit="%", source="roadmap", source_metric="followup_48h")
    assert (await client.get("/v1/indicators/FUP", headers=FEDERAL)).json()["source_metric"] == "followup_48h"
    response = await client.post("/v1/sources/refresh", params={"period": "2025Q2"}, headers=FEDERAL)
    assert response.status_code == 200, response.text
    assert response.json()["indicators"] == ["FUP"] and response.json()["unavailable"] == []
    assert roadmap.call_count == 1
    asked = roadmap.calls[0].request.url.params
    assert (asked["period"], asked["group_by"], asked.get("region")) == ("2025Q2", "org_unit", None)
    assert roadmap.calls[0].request.headers["authorization"].startswith("Bearer ")
    rows = await values(client)
    assert rows["MUR-A"]["value"] == 100.0
    assert (rows["MUR-B"]["numerator"], rows["MUR-B"]["denominator"]) == (1, 3)
    assert rows["RU-MUR-MUR"]["value"] == 100.0  # MUR-A's municipality
    # The region is 2 of 4 (50 %), not the mean of its organisations' shares (66.7 %).
    assert rows["RU-MUR"]["value"] == 50.0 and (rows["RU-MUR"]["numerator"], rows["RU-MUR"]["denominator"]) == (2, 4)
    assert rows["RU"]["value"] == 50.0
    assert rows["RU-KYA"]["value"] is None and rows["RU-KYA"]["denominator"] == 0


async def test_a_region_refresh_asks_for_its_region_and_a_failure_is_reported(
    client: httpx.AsyncClient, roadmap: respx.Route, clock: FixedClock
) -> None:
    await create_indicator(client, "FUP", unit="%", source="roadmap", source_metric="followup_48h")
    ok = await client.post("/v1/sources/refresh", params={"period": "2025Q2", "region": "RU-MUR"}, headers=MUR_ADMIN)
    assert ok.status_code == 200, ok.text
    assert roadmap.calls[0].request.url.params["region"] == "RU-MUR"
    roadmap.side_effect = None
    roadmap.return_value = httpx.Response(503)
    down = await client.post("/v1/sources/refresh", params={"period": "2025Q2"}, headers=FEDERAL)
    assert down.status_code == 200 and down.json()["unavailable"] == ["followups"]
