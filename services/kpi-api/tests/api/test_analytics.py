"""Analytics on hand-checked numbers across two organisations of RU-MUR (and one of RU-KYA).

MUR-A: 45 physicians on 60 positions, 30 000 people; MUR-B: 10 on 40, 20 000 people.
Staffing (× 1.2 part-time coefficient): A 90 %, B 30 %; the region is the ratio of sums
55 / 100 × 120 = 66 %, not the average of the two ratios (60 %).
"""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from kpi_api.analytics.schemas import AnalyticsRow

from .conftest import FEDERAL, KYA_ADMIN, MUR_ANALYST, MUR_OPERATOR, create_indicator, item
from .conftest import post_values as post_drafts


async def post_values(client: httpx.AsyncClient, items: list[dict[str, Any]], **extra: Any) -> list[dict[str, Any]]:
    """Submitted values: analytics reads submitted and approved ones by default (drafts need data=all)."""
    return await post_drafts(client, items, submit=True, **extra)


ROW_FIELDS = list(AnalyticsRow.model_fields)


@pytest.fixture
async def staffing(client: httpx.AsyncClient, org_tree: None) -> None:
    await create_indicator(client, "PHYSICIANS", time_aggregation="last")
    await create_indicator(client, "POSITIONS", time_aggregation="last")
    await create_indicator(client, "POPULATION", time_aggregation="last")
    await create_indicator(client, "STAFFING", formula="PHYSICIANS / POSITIONS * 100 * 1.2", unit="%")
    await create_indicator(client, "PHYS_PER_10K", formula="PHYSICIANS * 10000 / POPULATION", unit="per 10 000")
    await post_values(
        client,
        [
            item("PHYSICIANS", "MUR-A", "2025Q2", 45),
            item("POSITIONS", "MUR-A", "2025Q2", 60),
            item("POPULATION", "MUR-A", "2025Q2", 30000),
            item("PHYSICIANS", "MUR-B", "2025Q2", 10),
            item("POSITIONS", "MUR-B", "2025Q2", 40),
            item("POPULATION", "MUR-B", "2025Q2", 20000),
            item("PHYSICIANS", "KYA-A", "2025Q2", 1),
            item("POSITIONS", "KYA-A", "2025Q2", 100),
        ],
    )


async def analytics(client: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/analytics", params=params, headers=headers or FEDERAL)
    assert response.status_code == 200, response.text
    body = dict(response.json())
    # Analytics builds each row's dict itself, in the model's order, which pydantic writes as it is.
    assert all(list(row) == ROW_FIELDS for row in body["rows"])
    return body


def by_key(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["indicator_code"], r["org_unit_code"], r["period"]): r for r in rows}


class TestFormulas:
    async def test_staffing_is_a_ratio_of_sums(self, client: httpx.AsyncClient, staffing: None) -> None:
        body = await analytics(client, indicators="STAFFING", org_units="MUR-A,MUR-B,RU-MUR", periods="2025Q2")
        rows = by_key(body["rows"])
        a, b, region = (rows[("STAFFING", u, "2025Q2")] for u in ("MUR-A", "MUR-B", "RU-MUR"))
        assert (a["value"], b["value"]) == (90, 30)
        assert region["value"] == 66
        assert region["value"] != (a["value"] + b["value"]) / 2
        assert (region["numerator"], region["denominator"]) == (55, 100)
        assert "data_as_of" in body

    async def test_per_10k_rate(self, client: httpx.AsyncClient, staffing: None) -> None:
        body = await analytics(client, indicators="PHYS_PER_10K", org_units="MUR-A,MUR-B,RU-MUR", periods="2025Q2")
        values = [r["value"] for r in body["rows"]]
        assert values == [15, 5, 11]

    async def test_federation_aggregates_every_region(self, client: httpx.AsyncClient, staffing: None) -> None:
        body = await analytics(client, indicators="PHYSICIANS,STAFFING", org_units="RU", periods="2025Q2")
        rows = by_key(body["rows"])
        assert rows[("PHYSICIANS", "RU", "2025Q2")]["value"] == 56
        assert rows[("PHYSICIANS", "RU", "2025Q2")]["reported_units"] == 3
        assert rows[("STAFFING", "RU", "2025Q2")]["value"] == pytest.approx(56 / 200 * 120)

    async def test_missing_input_and_division_by_zero_give_null_with_reason(
        self, client: httpx.AsyncClient, staffing: None
    ) -> None:
        await post_values(client, [item("POSITIONS", "MUR-A", "2025Q3", 0), item("PHYSICIANS", "MUR-A", "2025Q3", 4)])
        await post_values(client, [item("POSITIONS", "MUR-B", "2025Q3", 10)])
        body = await analytics(
            client, indicators="STAFFING,PHYSICIANS", org_units="MUR-A,MUR-B", periods="2025Q3,2025Q4"
        )
        rows = by_key(body["rows"])
        assert rows[("STAFFING", "MUR-A", "2025Q3")]["value"] is None
        assert rows[("STAFFING", "MUR-A", "2025Q3")]["reason"] == "division_by_zero"
        assert rows[("STAFFING", "MUR-B", "2025Q3")]["reason"] == "missing_input:PHYSICIANS"
        assert rows[("PHYSICIANS", "MUR-B", "2025Q4")]["reason"] == "no_data"

    async def test_formula_change_does_not_rewrite_the_past(self, client: httpx.AsyncClient, staffing: None) -> None:
        response = await client.patch(
            "/v1/indicators/STAFFING",
            json={"formula": "PHYSICIANS / POSITIONS * 100", "effective_from": "2025-07-01"},
            headers=FEDERAL,
        )
        assert response.status_code == 200
        await post_values(client, [item("PHYSICIANS", "MUR-A", "2025Q3", 45), item("POSITIONS", "MUR-A", "2025Q3", 60)])
        body = await analytics(client, indicators="STAFFING", org_units="MUR-A", periods="2025Q2,2025Q3")
        assert [r["value"] for r in body["rows"]] == [90, 75]


class TestTime:
    @pytest.fixture
    async def monthly(self, client: httpx.AsyncClient, org_tree: None) -> None:
        await create_indicator(client, "VISITS", periodicity="month")
        await create_indicator(client, "STAFF", periodicity="month", time_aggregation="last")
        await create_indicator(client, "GROWTH", formula="(VISITS - prev(VISITS)) * 100 / prev(VISITS)", unit="%")
        items = []
        for month, a, b in (("01", 100, 50), ("02", 100, 50), ("03", 100, 50), ("04", 120, 60), ("05", 120, 60)):
            items += [item("VISITS", "MUR-A", f"2025-{month}", a), item("VISITS", "MUR-B", f"2025-{month}", b)]
        items += [item("VISITS", "MUR-A", "2025-06", 120), item("VISITS", "MUR-B", "2025-06", 60)]
        for month, a, b in (("04", 10, 5), ("05", 11, 5), ("06", 12, 6)):
            items += [item("STAFF", "MUR-A", f"2025-{month}", a), item("STAFF", "MUR-B", f"2025-{month}", b)]
        await post_values(client, items)

    async def test_quarter_from_months_sum_and_last(self, client: httpx.AsyncClient, monthly: None) -> None:
        body = await analytics(client, indicators="VISITS,STAFF", org_units="RU-MUR", periods="2025Q1,2025Q2,2025-05")
        rows = by_key(body["rows"])
        assert rows[("VISITS", "RU-MUR", "2025Q1")]["value"] == 450
        assert rows[("VISITS", "RU-MUR", "2025Q2")]["value"] == 540
        assert rows[("VISITS", "RU-MUR", "2025-05")]["value"] == 180
        assert rows[("STAFF", "RU-MUR", "2025Q2")]["value"] == 18  # last month per unit, summed

    async def test_growth_rate_and_previous_value(self, client: httpx.AsyncClient, monthly: None) -> None:
        body = await analytics(
            client, indicators="GROWTH,VISITS", org_units="RU-MUR", periods="2025Q2", previous="true"
        )
        rows = by_key(body["rows"])
        growth = rows[("GROWTH", "RU-MUR", "2025Q2")]
        assert growth["value"] == 20
        assert (growth["numerator"], growth["denominator"]) == (90, 450)
        visits = rows[("VISITS", "RU-MUR", "2025Q2")]
        assert (visits["previous_period"], visits["previous_value"]) == ("2025Q1", 450)

    async def test_year_to_date(self, client: httpx.AsyncClient, monthly: None) -> None:
        body = await analytics(client, indicators="VISITS", org_units="MUR-A", periods="2025Q2", ytd="true")
        [row] = body["rows"]
        assert (row["value"], row["ytd"]) == (660, True)

    async def test_finer_period_than_periodicity(self, client: httpx.AsyncClient, monthly: None) -> None:
        await create_indicator(client, "BEDS", periodicity="year")
        body = await analytics(client, indicators="BEDS", org_units="MUR-A", periods="2025-04")
        assert body["rows"][0]["reason"] == "period_finer_than_periodicity"


class TestAggregationMethods:
    """Every aggregation pair read in one request, over nested roots of different depths: each indicator
    keeps its own method however the queries behind the answer are grouped.

    RU-MUR holds MUR-A (under RU-MUR-MUR) and MUR-B (under RU-MUR-MON); RU-KYA holds KYA-A."""

    @pytest.fixture
    async def mixed(self, client: httpx.AsyncClient, org_tree: None) -> None:
        quarterly = {
            "COUNT": ("sum", "sum", (10, 20, 5)),
            "WAIT": ("average", "average", (20, 12, 7)),
            "PEAK": ("max", "max", (3, 9, 4)),
            "LOW": ("min", "min", (3, 9, 4)),
            "HEAD": ("last", "last", (100, 200, 50)),
        }
        items = []
        for code, (over_units, over_time, values) in quarterly.items():
            await create_indicator(client, code, aggregation=over_units, time_aggregation=over_time)
            items += [
                item(code, unit, "2025Q2", v) for unit, v in zip(("MUR-A", "MUR-B", "KYA-A"), values, strict=True)
            ]
        monthly = {
            "VISITS": ("sum", "sum", {"MUR-A": (1, 2, 3), "MUR-B": (10, 20, 30)}),
            "STAFF": ("sum", "last", {"MUR-A": (5, 6, 7), "MUR-B": (1, 2)}),
            "MEAN_WAIT": ("average", "average", {"MUR-A": (1, 2, 3), "MUR-B": (10,)}),
            "TOP": ("max", "max", {"MUR-A": (1, 8, 3), "MUR-B": (4, 5)}),
        }
        for code, (over_units, over_time, per_unit) in monthly.items():
            await create_indicator(
                client, code, periodicity="month", aggregation=over_units, time_aggregation=over_time
            )
            for unit, values in per_unit.items():
                items += [item(code, unit, f"2025-0{4 + m}", v) for m, v in enumerate(values)]
        await create_indicator(client, "PEAK_SHARE", formula="PEAK / COUNT * 100", unit="%", precision=2)
        await post_values(client, items)

    async def test_each_indicator_keeps_its_method(self, client: httpx.AsyncClient, mixed: None) -> None:
        codes = "COUNT,WAIT,PEAK,LOW,HEAD,VISITS,STAFF,MEAN_WAIT,TOP,PEAK_SHARE"
        units = ("RU", "RU-MUR", "RU-KYA", "RU-MUR-MON", "MUR-A")
        body = await analytics(client, indicators=codes, org_units=",".join(units), periods="2025Q2")
        got = {(r["indicator_code"], r["org_unit_code"]): (r["value"], r["reported_units"]) for r in body["rows"]}
        expected = {
            "COUNT": ((35, 3), (30, 2), (5, 1), (20, 1), (10, 1)),
            "WAIT": ((13, 3), (16, 2), (7, 1), (12, 1), (20, 1)),
            "PEAK": ((9, 3), (9, 2), (4, 1), (9, 1), (3, 1)),
            "LOW": ((3, 3), (3, 2), (4, 1), (9, 1), (3, 1)),
            # "last" over org units: the unit with the greatest code
            "HEAD": ((200, 3), (200, 2), (50, 1), (200, 1), (100, 1)),
            "VISITS": ((66, 2), (66, 2), (None, 0), (60, 1), (6, 1)),
            "STAFF": ((9, 2), (9, 2), (None, 0), (2, 1), (7, 1)),  # each unit's last month, summed
            "MEAN_WAIT": ((6, 2), (6, 2), (None, 0), (10, 1), (2, 1)),  # the average of each unit's average
            "TOP": ((8, 2), (8, 2), (None, 0), (5, 1), (8, 1)),
            # max over the sum, not per unit; it rests on as many units as its input with the fewest
            "PEAK_SHARE": ((25.71, 3), (30, 2), (80, 1), (45, 1), (30, 1)),
        }
        assert got == {
            (code, unit): pair for code, pairs in expected.items() for unit, pair in zip(units, pairs, strict=True)
        }


class TestTargetsAndStatus:
    async def test_status_direction_aware_with_split_year_target(
        self, client: httpx.AsyncClient, staffing: None
    ) -> None:
        await create_indicator(
            client, "WAIT_DAYS", direction="lower_is_better", aggregation="average", time_aggregation="average"
        )
        await create_indicator(client, "VISITS", periodicity="month")
        put = await client.put(
            "/v1/indicators/STAFFING/targets",
            json={"items": [{"org_unit_code": "RU-MUR", "period": "2025", "baseline": 60, "target": 70}]},
            headers=FEDERAL,
        )
        assert put.status_code == 200, put.text
        for code, target in (("WAIT_DAYS", 14), ("VISITS", 1200)):
            response = await client.put(
                f"/v1/indicators/{code}/targets",
                json={"items": [{"org_unit_code": "RU-MUR", "period": "2025", "target": target}]},
                headers=FEDERAL,
            )
            assert response.status_code == 200
        await post_values(
            client,
            [item("WAIT_DAYS", "MUR-A", "2025Q2", 20, comment="нет врачей"), item("WAIT_DAYS", "MUR-B", "2025Q2", 12)]
            + [item("VISITS", "MUR-A", f"2025-0{m}", 100) for m in (4, 5, 6)],
        )
        body = await analytics(
            client, indicators="STAFFING,WAIT_DAYS,VISITS,PHYSICIANS", org_units="RU-MUR", periods="2025Q2"
        )
        rows = by_key(body["rows"])
        staffing_row = rows[("STAFFING", "RU-MUR", "2025Q2")]
        assert (staffing_row["target"], staffing_row["baseline"], staffing_row["target_period"]) == (70, 60, "2025")
        assert staffing_row["status"] == "at_risk"  # 66 / 70 = 94.3 %
        assert "94.3 %" in staffing_row["status_reason"]
        wait = rows[("WAIT_DAYS", "RU-MUR", "2025Q2")]
        assert (wait["value"], wait["status"]) == (16, "at_risk")  # average of 20 and 12 vs 14: 85.7 %, lower is better
        visits = rows[("VISITS", "RU-MUR", "2025Q2")]
        assert (visits["value"], visits["target"], visits["status"]) == (300, 300, "achieved")  # a quarter of 1200
        assert rows[("PHYSICIANS", "RU-MUR", "2025Q2")]["status"] == "no_target"
        empty = await analytics(client, indicators="STAFFING", org_units="RU-MUR", periods="2025Q4")
        assert empty["rows"][0]["status"] == "no_data"

    async def test_target_changes_are_audited_and_scoped(self, client: httpx.AsyncClient, staffing: None) -> None:
        body = {"items": [{"org_unit_code": "MUR-A", "period": "2025", "target": 80}], "reason": "план"}
        assert (await client.put("/v1/indicators/STAFFING/targets", json=body, headers=FEDERAL)).status_code == 200
        body["items"][0]["target"] = 85  # type: ignore[index]
        second = await client.put("/v1/indicators/STAFFING/targets", json=body, headers=FEDERAL)
        assert second.json()["updated"] == 1
        kya = await client.put("/v1/indicators/STAFFING/targets", json=body, headers=KYA_ADMIN)
        assert kya.status_code == 403
        operator = await client.put("/v1/indicators/STAFFING/targets", json=body, headers=MUR_OPERATOR)
        assert operator.status_code == 403
        history = (await client.get("/v1/indicators/STAFFING/targets/history", headers=MUR_ANALYST)).json()
        assert [(e["action"], e["after"]["target"]) for e in history] == [("created", "80"), ("updated", "85")]
        assert history[1]["before"]["target"] == "80"
        assert (await client.get("/v1/indicators/STAFFING/targets/history", headers=KYA_ADMIN)).json() == []
        listed = (await client.get("/v1/indicators/STAFFING/targets", headers=MUR_ANALYST)).json()
        assert [(t["org_unit_code"], t["target"]) for t in listed] == [("MUR-A", 85)]

    async def test_bad_target_items_apply_nothing(self, client: httpx.AsyncClient, staffing: None) -> None:
        body = {
            "items": [
                {"org_unit_code": "MUR-A", "period": "2025", "target": 80},
                {"org_unit_code": "NOWHERE", "period": "2025", "target": 80},
                {"org_unit_code": "MUR-B", "period": "2025-04", "target": 80},
            ]
        }
        response = await client.put("/v1/indicators/STAFFING/targets", json=body, headers=FEDERAL)
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == ["/items/1/org_unit_code", "/items/2/period"]
        assert (await client.get("/v1/indicators/STAFFING/targets", headers=FEDERAL)).json() == []


class TestRowsReadAgain:
    """Each row's JSON is kept between requests by the whole of its inputs: a row read again must be the
    row of what holds now, whatever changed in between."""

    async def test_a_row_read_again_follows_every_change(self, client: httpx.AsyncClient, staffing: None) -> None:
        params = {"indicators": "STAFFING", "org_units": "MUR-A", "periods": "2025Q2"}

        async def row() -> dict[str, Any]:
            return dict((await analytics(client, **params))["rows"][0])

        first = await row()
        assert await row() == first  # the kept text
        assert (first["value"], first["status"]) == (90, "no_target")
        body = {"items": [{"org_unit_code": "MUR-A", "period": "2025", "target": 100}], "reason": "план"}
        assert (await client.put("/v1/indicators/STAFFING/targets", json=body, headers=FEDERAL)).status_code == 200
        targeted = await row()
        assert (targeted["target"], targeted["status"], targeted["deviation"]) == (100, "at_risk", -10)
        body["items"][0]["target"] = 90  # type: ignore[index]
        assert (await client.put("/v1/indicators/STAFFING/targets", json=body, headers=FEDERAL)).status_code == 200
        assert ((await row())["target"], (await row())["status"]) == (90, "achieved")
        patched = {"direction": "lower_is_better", "reason": "показатель пересмотрен"}
        changed = await client.patch("/v1/indicators/STAFFING", json=patched, headers=FEDERAL)
        assert changed.status_code == 200, changed.text
        assert (await row())["status_reason"].endswith("(lower is better)")
        patched = {"precision": 2, "reason": "точнее"}
        assert (await client.patch("/v1/indicators/STAFFING", json=patched, headers=FEDERAL)).status_code == 200
        assert (await row())["precision"] == 2
        await post_values(client, [item("PHYSICIANS", "MUR-A", "2025Q2", 50)])
        assert (await row())["value"] == 100  # 50 / 60 × 120


class TestQueries:
    async def test_municipalities_under_a_region(self, client: httpx.AsyncClient, staffing: None) -> None:
        body = await analytics(client, indicators="PHYSICIANS", parent="RU-MUR", level="municipality", periods="2025Q2")
        assert [(r["org_unit_code"], r["value"]) for r in body["rows"]] == [("RU-MUR-MON", 10), ("RU-MUR-MUR", 45)]

    async def test_scope_other_region_is_403_and_parent_is_limited(
        self, client: httpx.AsyncClient, staffing: None
    ) -> None:
        response = await client.get(
            "/v1/analytics",
            params={"indicators": "PHYSICIANS", "org_units": "KYA-A", "periods": "2025Q2"},
            headers=MUR_ANALYST,
        )
        assert response.status_code == 403
        body = await analytics(
            client, MUR_ANALYST, indicators="PHYSICIANS", parent="RU", level="region", periods="2025Q2"
        )
        assert [(r["org_unit_code"], r["value"]) for r in body["rows"]] == [("RU-MUR", 55)]

    @pytest.mark.parametrize(
        ("params", "pointer"),
        [
            ({"indicators": "NOPE", "org_units": "RU-MUR", "periods": "2025Q2"}, "/query/indicators"),
            ({"indicators": "PHYSICIANS", "org_units": "NOWHERE", "periods": "2025Q2"}, "/query/org_units"),
            ({"indicators": "PHYSICIANS", "org_units": "RU-MUR", "periods": "2025Q5"}, "/query/periods"),
            ({"indicators": "PHYSICIANS", "org_units": "RU-MUR", "periods": ""}, "/query/periods"),
            ({"indicators": "PHYSICIANS", "periods": "2025Q2"}, "/query/org_units"),
            ({"indicators": "PHYSICIANS", "periods": "2025Q2", "level": "region"}, "/query/level"),
            ({"org_units": "RU-MUR", "periods": "2025Q2"}, "/query/indicators"),
        ],
    )
    async def test_bad_queries_are_422_with_pointer(
        self, client: httpx.AsyncClient, staffing: None, params: dict[str, str], pointer: str
    ) -> None:
        response = await client.get("/v1/analytics", params=params, headers=FEDERAL)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == pointer

    async def test_export_csv_and_xlsx(self, client: httpx.AsyncClient, staffing: None) -> None:
        params = {"indicators": "STAFFING", "org_units": "RU-MUR", "periods": "2025Q2", "dialect": "plain"}
        csv_response = await client.get("/v1/analytics/export", params=params, headers=FEDERAL)
        assert csv_response.status_code == 200
        text = csv_response.content.decode("utf-8")
        assert text.startswith("\ufeffindicator_code,")
        assert "STAFFING,RU-MUR,2025Q2,False,66.0," in text
        xlsx = await client.get("/v1/analytics/export", params={**params, "format": "xlsx"}, headers=FEDERAL)
        assert xlsx.status_code == 200
        assert xlsx.content[:2] == b"PK"

    async def test_export_for_a_russian_excel_by_default(self, client: httpx.AsyncClient, staffing: None) -> None:
        params = {"indicators": "STAFFING", "org_units": "RU-MUR", "periods": "2025Q2"}
        response = await client.get("/v1/analytics/export", params=params, headers=FEDERAL)
        assert response.content.startswith(b"\xef\xbb\xbf")
        lines = response.content.decode("utf-8-sig").splitlines()
        header = lines[0].split(";")
        assert header[:5] == [
            "Код показателя",
            "Код организации / территории",
            "Период",
            "Нарастающим итогом",
            "Значение",
        ]
        cells = dict(zip(header, lines[1].split(";"), strict=True))
        assert cells["Нарастающим итогом"] == "нет"
        assert cells["Значение"] == "66,0"
        assert cells["Статус"] in {"достигнуто", "близко к цели", "под угрозой", "не достигнуто", "нет цели", ""}
        xlsx = await client.get("/v1/analytics/export", params={**params, "format": "xlsx"}, headers=FEDERAL)
        sheet = load_workbook(io.BytesIO(xlsx.content))["Аналитика"]
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].value == "Код показателя" and sheet["A1"].font.bold
        assert sheet.column_dimensions["A"].width >= len("Код показателя")
        assert isinstance(sheet["E2"].value, int | float)
