"""`make run` loads the demo: the Murmansk programme indicators must show values, targets and statuses."""

from __future__ import annotations

import httpx

from kpi_api.demo import load_demo
from kpi_api.settings import KpiSettings

from .conftest import FEDERAL, MUR_ANALYST


async def test_demo_shows_murmansk_targets_and_statuses(client: httpx.AsyncClient, settings: KpiSettings) -> None:
    await load_demo(settings.database_url)
    await load_demo(settings.database_url)  # idempotent
    codes = ",".join(f"MUR_T{i:02d}" for i in range(1, 26))
    response = await client.get(
        "/v1/analytics", params={"indicators": codes, "org_units": "RU-MUR", "periods": "2025"}, headers=MUR_ANALYST
    )
    assert response.status_code == 200, response.text
    rows = {r["indicator_code"]: r for r in response.json()["rows"]}
    assert len(rows) == 25
    assert rows["MUR_T02"]["target"] == 77.7 and rows["MUR_T02"]["baseline"] == 77.6
    assert rows["MUR_T23"]["target"] is None and "4-14" in rows["MUR_T23"]["status_reason"]
    assert rows["MUR_T22"]["status_reason"].endswith("(lower is better)")
    with_status = [r for r in rows.values() if r["status"] in ("achieved", "on_track", "at_risk", "off_track")]
    assert len(with_status) == 24
    survey = await client.get("/v1/indicators", params={"source": "survey"}, headers=FEDERAL)
    assert len(survey.json()["items"]) == 8
    staffing = await client.get(
        "/v1/analytics",
        params={"indicators": "STAFFING_RATE", "parent": "RU", "level": "region", "periods": "2025Q2"},
        headers=FEDERAL,
    )
    assert all(r["status"] is not None and r["value"] is not None for r in staffing.json()["rows"])
