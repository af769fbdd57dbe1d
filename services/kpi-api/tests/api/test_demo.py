"""`make run` loads the demo: the Murmansk programme indicators must show values, targets and statuses,
its shares and rates as ratios of sums over the organisations, owned by RU-MUR; the federal report
shows approved data only."""

from __future__ import annotations

import httpx

from kpi_api.demo import load_demo
from kpi_api.settings import KpiSettings

from .conftest import FEDERAL, MUR_ANALYST

SHARES = ("MUR_T01", "MUR_T20", "MUR_T21", "MUR_T24")  # entered as ratios at the organisations


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
    # The range "4-14" as printed: achieved inside it.
    assert (rows["MUR_T23"]["target"], rows["MUR_T23"]["target_low"], rows["MUR_T23"]["target_high"]) == (None, 4, 14)
    assert "4–14" in rows["MUR_T23"]["status_reason"]
    assert rows["MUR_T22"]["status_reason"].endswith("(lower is better)")
    with_status = [r for r in rows.values() if r["status"] in ("achieved", "on_track", "at_risk", "off_track")]
    assert len(with_status) == 24
    # The control indicator MUR_T02 misses its 2025 plan (72.2 against 77.7): an alert on the programme.
    alerts = await client.get("/v1/alerts", params={"region": "RU-MUR", "year": 2025}, headers=MUR_ANALYST)
    assert [(a["indicator_code"], a["value"], a["target"]) for a in alerts.json()["alerts"]] == [
        ("MUR_T02", 72.2, 77.7)
    ]
    survey = await client.get("/v1/indicators", params={"source": "survey"}, headers=FEDERAL)
    assert len(survey.json()["items"]) == 8
    staffing = await client.get(
        "/v1/analytics",
        params={"indicators": "STAFFING_RATE", "parent": "RU", "level": "region", "periods": "2025Q2"},
        headers=FEDERAL,
    )
    assert all(r["status"] is not None and r["value"] is not None for r in staffing.json()["rows"])


async def test_murmansk_shares_are_ratios_of_sums(client: httpx.AsyncClient, settings: KpiSettings) -> None:
    await load_demo(settings.database_url)
    organisations = ["MUR-GP1", "MUR-DGP1", "MUR-MON-CGB", "MUR-APA-CGB", "MUR-KOL-CRB", "MUR-KOL-FAP1", "MUR-ROKB"]
    codes = ",".join([*SHARES, "MUR_T03", "MUR_T05", "MUR_T07", "MUR_T11", "MUR_DOCTOR_POSTS"])
    response = await client.get(
        "/v1/analytics",
        params={"indicators": codes, "org_units": ",".join(["RU-MUR", *organisations]), "periods": "2025"},
        headers=MUR_ANALYST,
    )
    assert response.status_code == 200, response.text
    rows = {(r["indicator_code"], r["org_unit_code"]): r for r in response.json()["rows"]}
    for code in (*SHARES, "MUR_T05"):
        region = rows[(code, "RU-MUR")]
        parts = [rows[(code, unit)] for unit in organisations]
        # Σ numerator ÷ Σ denominator, never the average (or sum) of the organisations' shares
        assert region["numerator"] == sum(p["numerator"] for p in parts)
        assert region["denominator"] == sum(p["denominator"] for p in parts)
        scale = 1 if code == "MUR_T05" else 100
        assert abs(region["value"] - region["numerator"] / region["denominator"] * scale) < 0.05, code
        assert region["reported_units"] == 7
    # staffing: persons ÷ positions × 100 × 1.2 on the region's sums
    staffing = rows[("MUR_T07", "RU-MUR")]
    persons, posts = rows[("MUR_T11", "RU-MUR")]["value"], rows[("MUR_DOCTOR_POSTS", "RU-MUR")]["value"]
    assert (staffing["numerator"], staffing["denominator"]) == (persons, posts)
    assert abs(staffing["value"] - persons / posts * 120) < 0.05
    visits = rows[("MUR_T03", "RU-MUR")]
    assert abs(visits["value"] - visits["numerator"] / visits["denominator"]) < 0.005
    owned = await client.get("/v1/indicators", params={"owner": "RU-MUR", "limit": 100}, headers=FEDERAL)
    assert {i["code"] for i in owned.json()["items"]} >= {f"MUR_T{i:02d}" for i in range(1, 26)}
    refused = await client.patch("/v1/indicators/MUR_T01", json={"name_en": "x"}, headers=FEDERAL)
    assert refused.status_code == 403 and refused.json()["owner"] == "RU-MUR"
    report = await client.get("/v1/reports/quarterly", params={"period": "2025Q3"}, headers=FEDERAL)
    mur = next(r for r in report.json()["regions"] if r["region_code"] == "RU-MUR")
    doctors = next(i for i in mur["indicators"] if i["indicator_code"] == "DOCTORS")
    assert doctors["approved_units"] == 0 and doctors["value"] is None  # 2025Q3 is submitted, not approved
    assert mur["completeness"]["received"] > 0 and mur["completeness"]["approved"] == 0


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
