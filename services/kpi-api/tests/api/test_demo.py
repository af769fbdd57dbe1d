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


async def test_demo_shows_the_lean_report_obligations_and_population(
    client: httpx.AsyncClient, settings: KpiSettings
) -> None:
    await load_demo(settings.database_url)
    await load_demo(settings.database_url)  # idempotent
    lean = (await client.get("/v1/lean-reports/summary", params={"as_of": "2019-06-01"}, headers=FEDERAL)).json()
    assert lean["reports"] == ["RU"]
    table1 = {r["row_type"]: r["cells"]["2"]["value"] for r in lean["tables"][0]["rows"]}
    assert table1 == {"adult_polyclinic": 959, "children_polyclinic": 663, "mixed_polyclinic": 227}
    monthly = (
        await client.get(
            "/v1/report-submissions", params={"report_type": "federal_monthly", "period": "2025-10"}, headers=FEDERAL
        )
    ).json()
    assert {r["org_unit_code"]: r["status"] for r in monthly["rows"]} == {
        "RU-MUR": "on_time",
        "RU-KYA": "late",  # 23:10 in Moscow is 03:10 the next day in Krasnoyarsk
        "RU-SAK": "missing",
    }
    notices = (
        await client.get(
            "/v1/report-submissions",
            params={"report_type": "regional_centre_change", "period": "2025-11"},
            headers=FEDERAL,
        )
    ).json()
    assert [(r["org_unit_code"], r["due_date"], r["status"]) for r in notices["rows"]] == [
        ("RU-MUR", "2025-11-07", "on_time")
    ]
    per_10k = (
        await client.get(
            "/v1/analytics",
            params={"indicators": "DOCTORS_PER_10K_ATTACHED", "org_units": "RU-MUR", "periods": "2025Q2"},
            headers=FEDERAL,
        )
    ).json()["rows"][0]
    assert per_10k["value"] is not None and per_10k["denominator"] > 0
    regional = await client.get(
        "/v1/analytics",
        params={"indicators": "DOCTORS", "org_units": "RU-MUR", "periods": "2025Q2", "subordination": "regional"},
        headers=FEDERAL,
    )
    assert regional.json()["rows"][0]["value"] is not None
