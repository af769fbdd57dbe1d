"""Pulled values: indicator mapping, refresh from survey-api and roadmap-api (respx), the cache with
its data_as_of, and how analytics shows them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from kpi_api.analytics.schemas import AnalyticsRow
from kpi_api.settings import KpiSettings

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, FixedClock, create_indicator

pytestmark = pytest.mark.usefixtures("org_tree")


def survey_row(code: str, n: int, satisfied: int, answered: int, p: int, pa: int, d: int) -> dict[str, Any]:
    return {
        "org_unit_code": code,
        "n": n,
        "satisfied": satisfied,
        "satisfaction_answered": answered,
        "satisfaction_share": round(satisfied * 100 / answered, 1) if answered else None,
        "nps": round((p - d) * 100 / (p + pa + d), 1) if p + pa + d else None,
        "promoters": p,
        "passives": pa,
        "detractors": d,
        "nps_ci95": None,
        "sample_ok": n >= 30,
        "campaigns": ["mur-2025"] if n else [],
    }


SURVEY_FIGURES = {
    "RU": survey_row("RU", 60, 45, 60, 30, 10, 20),
    "RU-MUR": survey_row("RU-MUR", 40, 33, 40, 25, 5, 10),
    "MUR-A": survey_row("MUR-A", 30, 27, 30, 20, 5, 5),
    "RU-KYA": survey_row("RU-KYA", 20, 12, 20, 5, 5, 10),
}


def survey_answer(request: httpx.Request) -> httpx.Response:
    codes = request.url.params["org_units"].split(",")
    rows = [SURVEY_FIGURES.get(c, survey_row(c, 0, 0, 0, 0, 0, 0)) for c in codes]
    body = {"period": request.url.params["period"], "campaign_code": request.url.params.get("campaign"),
            "minimum_sample": 30, "rows": rows}  # fmt: skip
    return httpx.Response(200, json=body)


def figure(due: int, on_time: int, late: int) -> dict[str, Any]:
    pct = round((on_time + late) * 100 / due, 2) if due else None
    return {"as_of": "2025-06-30", "due": due, "completed_on_time": on_time, "completed_late": late,
            "overdue": due - on_time - late, "execution_pct": pct, "threshold_pct": 90,
            "meets_threshold": None if not due else pct >= 90}  # fmt: skip


def roadmap_answer(request: httpx.Request) -> httpx.Response:
    regions = [
        {"region_code": "RU-KYA", "as_of": "2025-06-30", "total": figure(10, 9, 0), "roadmaps": []},
        {"region_code": "RU-MUR", "as_of": "2025-06-30", "total": figure(10, 6, 1), "roadmaps": []},
    ]
    wanted = request.url.params.get("regions")
    if wanted:
        regions = [r for r in regions if r["region_code"] in wanted.split(",")]
    return httpx.Response(200, json={"as_of": request.url.params["as_of"], "regions": regions})


@pytest.fixture
def peers(settings: KpiSettings) -> Iterator[tuple[respx.Route, respx.Route]]:
    with respx.mock(assert_all_called=False) as mock:
        survey = mock.get(f"{settings.survey_url}/v1/aggregates/org-units").mock(side_effect=survey_answer)
        roadmap = mock.get(f"{settings.roadmap_url}/v1/execution/regions").mock(side_effect=roadmap_answer)
        yield survey, roadmap


@pytest.fixture
async def mapped(client: httpx.AsyncClient) -> None:
    await create_indicator(client, "SAT", unit="%", source="survey", source_metric="satisfaction_share")
    await create_indicator(client, "NPS", unit="NPS", source="survey", source_metric="nps", source_campaign="mur-2025")
    await create_indicator(client, "EXEC", unit="%", source="roadmap")  # execution_pct implied
    await create_indicator(client, "MANUAL", unit="чел.")


async def refresh(client: httpx.AsyncClient, headers: dict[str, str] = FEDERAL, **params: str) -> httpx.Response:
    return await client.post("/v1/sources/refresh", params={"period": "2025Q2", **params}, headers=headers)


async def analytics(client: httpx.AsyncClient, indicators: str, org_units: str, **params: str) -> dict[str, Any]:
    response = await client.get(
        "/v1/analytics",
        params={"indicators": indicators, "org_units": org_units, "periods": "2025Q2", **params},
        headers=FEDERAL,
    )
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert all(list(row) == list(AnalyticsRow.model_fields) for row in rows)  # pulled fields in their places
    return {(r["indicator_code"], r["org_unit_code"]): r for r in rows}


class TestMapping:
    async def test_read_back_and_implied_execution_metric(self, client: httpx.AsyncClient, mapped: None) -> None:
        nps = (await client.get("/v1/indicators/NPS", headers=FEDERAL)).json()
        assert (nps["source"], nps["source_metric"], nps["source_campaign"]) == ("survey", "nps", "mur-2025")
        execution = (await client.get("/v1/indicators/EXEC", headers=FEDERAL)).json()
        assert execution["source_metric"] == "execution_pct" and execution["source_campaign"] is None
        manual = (await client.get("/v1/indicators/MANUAL", headers=FEDERAL)).json()
        assert manual["source_metric"] is None

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"source_metric": "nps"}, "/source_metric"),  # manual
            ({"source": "survey", "source_metric": "execution_pct"}, "/source_metric"),
            ({"source": "roadmap", "source_metric": "nps"}, "/source_metric"),
            ({"source": "roadmap", "source_campaign": "c"}, "/source_campaign"),
            ({"source": "survey", "source_campaign": "c"}, "/source_campaign"),  # campaign without metric
            ({"source": "survey", "source_metric": "bogus"}, "/source_metric"),
            ({"source": "survey", "source_metric": "nps", "formula": "A"}, "/kind"),
        ],
    )
    async def test_bad_mappings_are_422(self, client: httpx.AsyncClient, body: dict[str, Any], pointer: str) -> None:
        if "formula" in body:
            await create_indicator(client, "A")
        payload = {"code": "X", "name_ru": "X", "unit": "%", "kind": "formula" if "formula" in body else "input",
                   "direction": "higher_is_better", "periodicity": "quarter", **body}  # fmt: skip
        response = await client.post("/v1/indicators", json=payload, headers=FEDERAL)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == pointer

    async def test_update_revalidates(self, client: httpx.AsyncClient, mapped: None) -> None:
        bad = await client.patch("/v1/indicators/MANUAL", json={"source_metric": "nps"}, headers=FEDERAL)
        assert bad.status_code == 422
        good = await client.patch(
            "/v1/indicators/MANUAL", json={"source": "survey", "source_metric": "nps"}, headers=FEDERAL
        )
        assert good.status_code == 200 and good.json()["source_metric"] == "nps"
        back = await client.patch(
            "/v1/indicators/MANUAL", json={"source": "manual", "source_metric": None}, headers=FEDERAL
        )
        assert back.status_code == 200 and back.json()["source_metric"] is None


class TestRefresh:
    async def test_pulls_and_analytics_shows_values_with_counts(
        self, client: httpx.AsyncClient, mapped: None, peers: tuple[respx.Route, respx.Route], clock: FixedClock
    ) -> None:
        response = await refresh(client, headers={**FEDERAL, "X-Request-ID": "refresh-1"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["indicators"] == ["EXEC", "NPS", "SAT"] and body["unavailable"] == []
        survey, roadmap = peers
        # One survey call per campaign mapping (all campaigns, mur-2025), one roadmap call in all.
        assert survey.call_count == 2 and roadmap.call_count == 1
        campaigns = {c.request.url.params.get("campaign") for c in survey.calls}
        assert campaigns == {None, "mur-2025"}
        for call in [*survey.calls, *roadmap.calls]:
            assert call.request.headers["x-request-id"] == "refresh-1"
            assert call.request.headers["authorization"].startswith("Bearer ")
        rows = await analytics(client, "SAT,NPS,EXEC,MANUAL", "RU,RU-MUR,MUR-A,RU-KYA")
        sat = rows[("SAT", "RU-MUR")]
        assert sat["value"] == 82.5 and (sat["numerator"], sat["denominator"]) == (33, 40)
        assert sat["n"] == 40 and sat["sample_ok"] is True and sat["data_as_of"].startswith("2025-07-01")
        assert rows[("SAT", "RU-KYA")]["sample_ok"] is False
        assert rows[("NPS", "MUR-A")]["value"] == 50.0  # (20 − 5) / 30
        assert rows[("EXEC", "RU-MUR")]["value"] == 70.0 and rows[("EXEC", "RU-MUR")]["n"] == 10
        # The federation's execution is the ratio of summed task counts: (7 + 9) / 20.
        assert rows[("EXEC", "RU")]["value"] == 80.0 and rows[("EXEC", "RU")]["denominator"] == 20
        assert rows[("EXEC", "MUR-A")]["value"] is None and rows[("EXEC", "MUR-A")]["reason"] == "not_pulled"
        assert rows[("MANUAL", "RU-MUR")]["n"] is None and rows[("MANUAL", "RU-MUR")]["data_as_of"] is None

    async def test_a_second_refresh_overwrites(
        self, client: httpx.AsyncClient, mapped: None, peers: tuple[respx.Route, respx.Route], clock: FixedClock
    ) -> None:
        await refresh(client)
        SURVEY_FIGURES["RU-MUR"] = survey_row("RU-MUR", 40, 20, 40, 25, 5, 10)
        try:
            clock.now = clock.now.replace(hour=10)
            await refresh(client)
        finally:
            SURVEY_FIGURES["RU-MUR"] = survey_row("RU-MUR", 40, 33, 40, 25, 5, 10)
        sat = (await analytics(client, "SAT", "RU-MUR"))[("SAT", "RU-MUR")]
        assert sat["value"] == 50.0 and sat["data_as_of"].startswith("2025-07-01T10:00")

    async def test_region_refresh_stays_in_the_region(
        self, client: httpx.AsyncClient, mapped: None, peers: tuple[respx.Route, respx.Route], clock: FixedClock
    ) -> None:
        response = await refresh(client, MUR_ADMIN, region="RU-MUR")
        assert response.status_code == 200, response.text
        survey, roadmap = peers
        asked = set(survey.calls[0].request.url.params["org_units"].split(","))
        assert asked == {"RU-MUR", "RU-MUR-MUR", "RU-MUR-MON", "MUR-A", "MUR-B"}
        assert roadmap.calls[0].request.url.params["regions"] == "RU-MUR"
        rows = await analytics(client, "SAT,EXEC", "RU-MUR,RU-KYA")
        assert rows[("SAT", "RU-MUR")]["value"] == 82.5 and rows[("SAT", "RU-KYA")]["reason"] == "not_pulled"

    async def test_scope_and_roles(
        self, client: httpx.AsyncClient, mapped: None, peers: Any, clock: FixedClock
    ) -> None:
        assert (await refresh(client, KYA_ADMIN, region="RU-MUR")).status_code == 403
        assert (await refresh(client, MUR_ADMIN)).status_code == 403  # the whole federation
        assert (await refresh(client, MUR_OPERATOR, region="RU-MUR")).status_code == 403
        assert (await refresh(client, region="MUR-A")).status_code == 422
        assert (await refresh(client, region="RU-XXX")).status_code == 422
        bad = await client.post("/v1/sources/refresh", params={"period": "2025Q9"}, headers=FEDERAL)
        assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/query/period"

    async def test_a_peer_down_keeps_earlier_values(
        self, client: httpx.AsyncClient, mapped: None, settings: KpiSettings, clock: FixedClock
    ) -> None:
        with respx.mock(assert_all_called=False) as mock:
            mock.get(f"{settings.survey_url}/v1/aggregates/org-units").mock(side_effect=survey_answer)
            mock.get(f"{settings.roadmap_url}/v1/execution/regions").mock(side_effect=roadmap_answer)
            await refresh(client)
        with respx.mock(assert_all_called=False) as mock:
            mock.get(f"{settings.survey_url}/v1/aggregates/org-units").mock(side_effect=httpx.ConnectError("down"))
            mock.get(f"{settings.roadmap_url}/v1/execution/regions").mock(return_value=httpx.Response(503))
            clock.now = clock.now.replace(hour=11)
            response = await refresh(client)
        assert response.status_code == 200
        assert response.json()["unavailable"] == ["survey", "roadmaps"]
        sat = (await analytics(client, "SAT", "RU-MUR"))[("SAT", "RU-MUR")]
        assert sat["value"] == 82.5 and sat["data_as_of"].startswith("2025-07-01T09:00")

    async def test_month_period_skips_quarterly_indicators(
        self, client: httpx.AsyncClient, mapped: None, peers: Any, clock: FixedClock
    ) -> None:
        body = (await refresh(client, period="2025-05")).json()
        assert body["indicators"] == [] and {s["indicator_code"] for s in body["skipped"]} == {"SAT", "NPS", "EXEC"}
