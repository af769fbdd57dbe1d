"""GET /v1/reports/quarterly: indicators from analytics for all regions, the survey and roadmap
sections from the peers (respx) within the time budget, completeness, scope, CSV and XLSX."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from openpyxl import load_workbook

from kpi_api.settings import KpiSettings
from zdrav_shared.testing import auth

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_ANALYST, FixedClock, create_indicator, item, post_values
from .test_sources import roadmap_answer, survey_answer

pytestmark = pytest.mark.usefixtures("org_tree")

BUDGET_S = 0.5


@pytest.fixture
def settings(database_url: str) -> KpiSettings:
    from ..conftest import make_settings

    return make_settings(database_url).model_copy(update={"report_peer_budget_s": BUDGET_S})


@pytest.fixture
def peers(settings: KpiSettings) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        mock.get(f"{settings.survey_url}/v1/aggregates/org-units", name="survey").mock(side_effect=survey_answer)
        mock.get(f"{settings.roadmap_url}/v1/execution/regions", name="roadmap").mock(side_effect=roadmap_answer)
        yield mock


@pytest.fixture
async def data(client: httpx.AsyncClient, peers: respx.MockRouter, clock: FixedClock) -> None:
    await create_indicator(client, "VISITS", name_ru='=HYPERLINK("x")', unit="чел.")
    await create_indicator(
        client, "SAT", unit="%", source="survey", source_metric="satisfaction_share", time_aggregation="last"
    )
    await create_indicator(client, "EXEC", unit="%", source="roadmap")
    await create_indicator(client, "YEARLY", periodicity="year")
    targets = {"items": [{"org_unit_code": r, "period": "2025Q2", "target": 100} for r in ("RU-MUR", "RU-KYA")]}
    assert (await client.put("/v1/indicators/VISITS/targets", json=targets, headers=FEDERAL)).status_code == 200
    assert (await client.put("/v1/indicators/SAT/targets", json={"items": [
        {"org_unit_code": "RU-MUR", "period": "2025", "target": 85}]}, headers=FEDERAL)).status_code == 200  # fmt: skip
    results = await post_values(
        client, [item("VISITS", "MUR-A", "2025Q2", 60), item("VISITS", "MUR-B", "2025Q2", 40)], submit=True
    )
    for result in results:  # the report reads approved values only; the approver is not the one who entered them
        approved = await client.post(f"/v1/values/{result['id']}/approve", headers=MUR_ADMIN)
        assert approved.status_code == 200, approved.text
    await post_values(client, [item("VISITS", "KYA-A", "2025Q2", 30)])  # a draft
    assert (await client.post("/v1/sources/refresh", params={"period": "2025Q2"}, headers=FEDERAL)).status_code == 200
    peers.reset()


async def report(client: httpx.AsyncClient, headers: dict[str, str] = FEDERAL, **params: str) -> httpx.Response:
    return await client.get("/v1/reports/quarterly", params={"period": "2025Q2", **params}, headers=headers)


class TestQuarterlyReport:
    async def test_every_region_with_all_sections(
        self, client: httpx.AsyncClient, data: None, peers: respx.MockRouter
    ) -> None:
        response = await report(client, headers={**FEDERAL, "X-Request-ID": "report-7"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["period"] == "2025Q2" and body["sections_unavailable"] == []
        assert body["generated_at"].startswith("2025-07-01")
        regions = {r["region_code"]: r for r in body["regions"]}
        assert list(regions) == ["RU-KYA", "RU-MUR"]
        mur = regions["RU-MUR"]
        indicators = {i["indicator_code"]: i for i in mur["indicators"]}
        assert set(indicators) == {"VISITS", "SAT", "EXEC"}  # not the yearly one
        assert indicators["VISITS"]["value"] == 100 and indicators["VISITS"]["target"] == 100
        assert indicators["VISITS"]["status"] == "achieved"
        sat = indicators["SAT"]
        assert (sat["value"], sat["numerator"], sat["denominator"], sat["n"]) == (82.5, 33, 40, 40)
        assert sat["sample_ok"] is True and sat["data_as_of"] and sat["status"] == "on_track"
        assert indicators["EXEC"]["value"] == 70.0
        assert mur["survey"]["n"] == 40 and mur["survey"]["satisfaction_share"] == 82.5
        assert mur["roadmaps"]["execution_pct"] == 70.0 and mur["roadmaps"]["overdue_tasks"] == 3
        assert mur["completeness"] == {
            **mur["completeness"],
            "expected": 2,
            "received": 2,
            "approved": 2,
            "on_time": 2,
            "late": 0,
        }
        assert (indicators["VISITS"]["approved_units"], indicators["VISITS"]["expected_units"]) == (2, 2)
        kya = regions["RU-KYA"]
        assert kya["completeness"]["received"] == 0 and kya["completeness"]["drafts"] == 1
        # One bulk call per peer for all regions, with the caller's request id.
        assert peers["survey"].call_count == 1 and peers["roadmap"].call_count == 1
        asked = peers["survey"].calls[0].request
        assert asked.url.params["org_units"] == "RU-KYA,RU-MUR" and "campaign" not in asked.url.params
        assert peers["roadmap"].calls[0].request.url.params["as_of"] == "2025-06-30"
        for route in ("survey", "roadmap"):
            assert peers[route].calls[0].request.headers["x-request-id"] == "report-7"

    async def test_a_hanging_peer_is_unavailable_within_the_budget(
        self, client: httpx.AsyncClient, data: None, peers: respx.MockRouter
    ) -> None:
        async def hang(request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(30)
            return httpx.Response(200)

        peers["survey"].mock(side_effect=hang)
        started = time.monotonic()
        response = await report(client)
        assert time.monotonic() - started < BUDGET_S + 1.0
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["sections_unavailable"] == ["survey"]
        assert all(r["survey"] is None and r["roadmaps"] is not None for r in body["regions"])
        assert all(r["indicators"] for r in body["regions"])  # cached survey values still shown

    @pytest.mark.parametrize(
        "failure",
        [httpx.Response(503), httpx.Response(500), httpx.Response(200, json={"nonsense": 1}), httpx.ConnectError("x")],
    )
    async def test_a_failing_peer_is_unavailable(
        self, client: httpx.AsyncClient, data: None, peers: respx.MockRouter, failure: Any
    ) -> None:
        if isinstance(failure, Exception):
            peers["roadmap"].mock(side_effect=failure)
        else:
            peers["roadmap"].mock(return_value=failure)
        response = await report(client)
        assert response.status_code == 200, response.text
        assert response.json()["sections_unavailable"] == ["roadmaps"]
        assert all(r["roadmaps"] is None for r in response.json()["regions"])

    async def test_regional_admin_sees_its_own_region_only(
        self, client: httpx.AsyncClient, data: None, peers: respx.MockRouter
    ) -> None:
        own = await report(client, MUR_ADMIN, region="RU-MUR")
        assert own.status_code == 200 and [r["region_code"] for r in own.json()["regions"]] == ["RU-MUR"]
        assert peers["roadmap"].calls[-1].request.url.params["regions"] == "RU-MUR"
        default = await report(client, MUR_ADMIN)
        assert [r["region_code"] for r in default.json()["regions"]] == ["RU-MUR"]
        assert (await report(client, KYA_ADMIN, region="RU-MUR")).status_code == 403
        assert (await report(client, MUR_ANALYST, region="RU-MUR")).status_code == 403

    @pytest.mark.parametrize(
        ("params", "pointer"),
        [
            ({"period": "2025"}, "/query/period"),
            ({"period": "2025-04"}, "/query/period"),
            ({"period": "2025Q7"}, "/query/period"),
            ({"region": "MUR-A"}, "/query/region"),
            ({"region": "RU-ZZZ"}, "/query/region"),
            ({"format": "pdf"}, "/query/format"),
        ],
    )
    async def test_bad_queries(self, client: httpx.AsyncClient, params: dict[str, str], pointer: str) -> None:
        response = await report(client, **params)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == pointer

    async def test_csv_is_flat_escaped_with_bom(self, client: httpx.AsyncClient, data: None) -> None:
        response = await report(client, format="csv", dialect="plain")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith(b"\xef\xbb\xbf")
        lines = response.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("period,region_code,region_name_ru,indicator_code")
        assert len(lines) == 1 + 2 * 3  # regions × indicators
        visits = next(line for line in lines if "RU-MUR" in line and "VISITS" in line)
        assert "'=HYPERLINK" in visits and ",achieved," in visits

    async def test_xlsx(self, client: httpx.AsyncClient, data: None, peers: respx.MockRouter) -> None:
        peers["survey"].mock(return_value=httpx.Response(503))
        response = await report(client, format="xlsx", region="RU-MUR", dialect="plain")
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["indicators", "survey", "roadmaps", "completeness"]
        values = list(book["indicators"].values)
        header = values[0]
        assert header[:4] == ("period", "region_code", "region_name_ru", "indicator_code")
        assert len(values) == 1 + 3
        survey = dict(zip(*list(book["survey"].values), strict=True))
        assert survey["sections_unavailable"] == "survey" and survey["n"] is None
        roadmaps = dict(zip(*list(book["roadmaps"].values), strict=True))
        assert roadmaps["execution_pct"] == 70 and roadmaps["region_code"] == "RU-MUR"
        completeness = dict(zip(*list(book["completeness"].values), strict=True))
        assert completeness["expected"] is not None
        assert book["indicators"].freeze_panes == "A2"

    async def test_xlsx_carries_native_charts_over_its_cells(
        self, client: httpx.AsyncClient, data: None, peers: respx.MockRouter
    ) -> None:
        response = await report(client, format="xlsx", dialect="plain")
        book = load_workbook(io.BytesIO(response.content))
        regions = len(list(book["roadmaps"].values)) - 1
        drawn = {name: book[name]._charts for name in book.sheetnames}
        assert drawn["indicators"] == []
        assert [c.title.tx.rich.p[0].r[0].t for c in drawn["survey"]] == ["Satisfaction, %", "NPS"]
        [execution] = drawn["roadmaps"]
        [series] = execution.series
        # The chart reads the execution_pct column of every region's row (header for the series name).
        column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[next(iter(book["roadmaps"].values)).index("execution_pct")]
        assert series.val.numRef.f == f"'roadmaps'!${column}$2:${column}${regions + 1}"
        assert series.tx.strRef.f == f"'roadmaps'!{column}1"
        [reports] = drawn["completeness"]
        assert reports.grouping == "stacked" and len(reports.series) == 3

    async def test_files_for_a_russian_excel(self, client: httpx.AsyncClient, data: None) -> None:
        response = await report(client, format="csv", region="RU-MUR")
        lines = response.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("Период;Код региона;Регион;Код показателя")
        book = load_workbook(io.BytesIO((await report(client, format="xlsx", region="RU-MUR")).content))
        assert book.sheetnames == ["Показатели", "Опрос", "Дорожные карты", "Полнота отчётности"]
        assert book["Показатели"]["A1"].value == "Период"

    async def test_no_regions_no_peer_calls(self, client: httpx.AsyncClient, peers: respx.MockRouter) -> None:
        response = await report(client, auth(["regional_admin"], ["MUR-A"]))
        assert response.status_code == 200, response.text
        assert response.json()["regions"] == [] and response.json()["sections_unavailable"] == []
        assert peers["survey"].call_count == 0 and peers["roadmap"].call_count == 0
