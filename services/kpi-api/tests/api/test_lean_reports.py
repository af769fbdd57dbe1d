"""The New-model report (tables 1–3): the form, entry with "x" cells refused and shares entered with
their counts, totals as sums, ratios of sums and weighted means (hand-computed), the XLSX layout."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_ANALYST, MUR_OPERATOR

pytestmark = pytest.mark.usefixtures("org_tree")
DATE = "2019-07-01"


async def put(
    client: httpx.AsyncClient,
    region: str,
    rows: list[dict[str, Any]],
    status: int = 200,
    headers: dict[str, str] = FEDERAL,
    as_of: str = DATE,
    **extra: Any,
) -> Any:
    response = await client.put(f"/v1/lean-reports/{region}/{as_of}", json={"rows": rows}, headers={**headers, **extra})
    assert response.status_code == status, response.text
    return response.json()


def row(table: int, row_type: str, **cells: Any) -> dict[str, Any]:
    return {"table": table, "row_type": row_type, "cells": {k.removeprefix("c"): v for k, v in cells.items()}}


MUR = [
    row(1, "adult_polyclinic", c2=10, c3=7, c9={"numerator": 30, "denominator": 40}),
    row(3, "adult_polyclinic", c12=19, c13=6, c2={"numerator": 450, "denominator": 900}),
]
KYA = [
    row(1, "adult_polyclinic", c2=30, c3=12, c9={"numerator": 50, "denominator": 160}),
    row(3, "adult_polyclinic", c12=15, c13=5, c2={"numerator": 900, "denominator": 1000}),
    row(3, "children_polyclinic", c12=20),
]


class TestForm:
    async def test_form_has_the_three_tables_and_the_x_cells(self, client: httpx.AsyncClient) -> None:
        answer = (await client.get("/v1/lean-reports/form", headers=MUR_OPERATOR)).json()
        assert [t["table"] for t in answer["tables"]] == [1, 2, 3]
        assert [r["row_type"] for r in answer["row_types"]] == [
            "adult_polyclinic",
            "children_polyclinic",
            "mixed_polyclinic",
        ]
        table3 = {c["col"]: c for c in answer["tables"][2]["columns"]}
        assert [c for c, v in table3.items() if v["not_applicable_rows"]] == [8, 9, 10, 11]
        assert (
            table3[12]["phase"] == "before" and table3[12]["aggregation"] == "mean" and table3[12]["unit"] == "minutes"
        )
        assert table3[2]["entry"] == "counts" and table3[2]["aggregation"] == "ratio_of_sums"
        assert answer["tables"][1]["before_after_pairs"][0] == [2, 3]
        assert answer["tables"][0]["columns"][0]["col"] == 2


class TestEntry:
    async def test_totals_are_sums_ratios_of_sums_and_weighted_means(self, client: httpx.AsyncClient) -> None:
        await put(client, "RU-MUR", MUR, headers=MUR_ADMIN)
        await put(client, "RU-KYA", KYA, headers=KYA_ADMIN)
        summary = (await client.get("/v1/lean-reports/summary", params={"as_of": DATE}, headers=FEDERAL)).json()
        assert summary["reports"] == ["RU-KYA", "RU-MUR"]
        t1 = {r["row_type"]: r["cells"] for r in summary["tables"][0]["rows"]}
        t3 = {r["row_type"]: r["cells"] for r in summary["tables"][2]["rows"]}
        assert t1["adult_polyclinic"]["2"]["value"] == 40 and t1["adult_polyclinic"]["3"]["value"] == 19
        # 5S workplaces: (30 + 50) ÷ (40 + 160) = 40 %, not the mean of 75 % and 31.25 %.
        share = t1["adult_polyclinic"]["9"]
        assert (share["value"], share["numerator"], share["denominator"], share["n"]) == (40, 80, 200, 2)
        # Planned visits on time: (450 + 900) ÷ (900 + 1000) = 71.05 %.
        assert t3["adult_polyclinic"]["2"]["value"] == 71.05
        # Call-centre minutes, weighted by participating organisations (10 and 30): (19×10 + 15×30) ÷ 40 = 16.
        before = t3["adult_polyclinic"]["12"]
        assert (before["value"], before["weighted"], before["n"]) == (16, True, 2)
        assert t3["adult_polyclinic"]["13"]["value"] == 5.25  # (6×10 + 5×30) ÷ 40
        # Children's row: only Krasnoyarsk, without a table 1 count: the plain mean.
        assert (t3["children_polyclinic"]["12"]["value"], t3["children_polyclinic"]["12"]["weighted"]) == (20, False)
        assert t3["mixed_polyclinic"]["8"]["not_applicable"] is True and t3["mixed_polyclinic"]["8"]["value"] is None
        assert t1["mixed_polyclinic"]["2"] == {
            "value": None,
            "numerator": None,
            "denominator": None,
            "n": 0,
            "aggregation": "sum",
            "weighted": None,
            "not_applicable": False,
        }
        region = (
            await client.get(
                "/v1/lean-reports/summary", params={"as_of": DATE, "region": "RU-MUR"}, headers=MUR_ANALYST
            )
        ).json()
        assert region["tables"][0]["rows"][0]["cells"]["9"]["value"] == 75
        mine = (await client.get("/v1/lean-reports/summary", params={"as_of": DATE}, headers=MUR_ANALYST)).json()
        assert mine["reports"] == ["RU-MUR"]
        other = await client.get(
            "/v1/lean-reports/summary", params={"as_of": DATE, "region": "RU-KYA"}, headers=MUR_ANALYST
        )
        assert other.status_code == 403

    @pytest.mark.parametrize(
        ("rows", "pointer", "words"),
        [
            ([row(3, "mixed_polyclinic", c8=2)], "/rows/0/cells/8", "«х»"),
            ([row(3, "mixed_polyclinic", c12=5, c10=0)], "/rows/0/cells/10", "not applicable"),
            ([row(1, "adult_polyclinic", c9=75)], "/rows/0/cells/9", "counts"),
            (
                [row(1, "adult_polyclinic", c9={"numerator": 5, "denominator": 4})],
                "/rows/0/cells/9",
                "cannot be larger",
            ),
            ([row(1, "adult_polyclinic", c9={"numerator": 0, "denominator": 0})], "/rows/0/cells/9", "more than 0"),
            ([row(1, "adult_polyclinic", c2={"numerator": 1, "denominator": 2})], "/rows/0/cells/2", "takes a number"),
            ([row(1, "adult_polyclinic", c2=2.5)], "/rows/0/cells/2", "whole number"),
            ([row(1, "adult_polyclinic", c2=-1)], "/rows/0/cells/2", "negative"),
            ([row(1, "adult_polyclinic", c14=1)], "/rows/0/cells/14", "graphs"),
            ([row(1, "adult_polyclinic", c1=1)], "/rows/0/cells/1", "graphs"),
            ([row(2, "adult_polyclinic", c2=1), row(2, "adult_polyclinic", c3=1)], "/rows/1", "already"),
        ],
    )
    async def test_bad_cells_point_at_the_cell(
        self, client: httpx.AsyncClient, rows: list[dict[str, Any]], pointer: str, words: str
    ) -> None:
        answer = await put(client, "RU-MUR", rows, status=422)
        assert answer["errors"][0]["pointer"] == pointer
        assert words in answer["errors"][0]["message"]
        assert (await client.get(f"/v1/lean-reports/RU-MUR/{DATE}", headers=FEDERAL)).status_code == 404

    async def test_schema_errors(self, client: httpx.AsyncClient) -> None:
        answer = await put(client, "RU-MUR", [{"table": 4, "row_type": "adult_polyclinic", "cells": {}}], status=422)
        assert answer["errors"][0]["pointer"] == "/rows/0/table"
        answer = await put(client, "RU-MUR", [{"table": 1, "row_type": "hospital", "cells": {}}], status=422)
        assert answer["errors"][0]["pointer"] == "/rows/0/row_type"
        await put(client, "MUR-A", MUR, status=422)
        await put(client, "RU-MUR", MUR, status=422, as_of="2019-13-01")

    async def test_replace_versions_audit_and_if_match(self, client: httpx.AsyncClient) -> None:
        first = await put(client, "RU-MUR", MUR)
        assert first["version"] == 1
        second = await put(client, "RU-MUR", [row(2, "children_polyclinic", c2=4, c3=1)])
        assert second["version"] == 2 and [r["table"] for r in second["rows"]] == [2]
        stale = await put(client, "RU-MUR", MUR, status=409, **{"If-Match": 'W/"1"'})
        assert "version 2" in stale["detail"]
        history = (await client.get(f"/v1/lean-reports/RU-MUR/{DATE}/history", headers=MUR_ANALYST)).json()
        assert [h["action"] for h in history] == ["created", "updated"]
        assert [1, "adult_polyclinic", 9, "75", "30", "40"] in history[0]["after"]["cells"]
        assert history[1]["before"] == history[0]["after"] and history[1]["actor"] == "tester"
        read = (await client.get(f"/v1/lean-reports/RU-MUR/{DATE}", headers=MUR_ANALYST)).json()
        assert read["rows"][0]["cells"] == {
            "2": {"value": 4, "numerator": None, "denominator": None},
            "3": {"value": 1, "numerator": None, "denominator": None},
        }

    async def test_scope_and_roles(self, client: httpx.AsyncClient) -> None:
        await put(client, "RU-KYA", KYA, status=403, headers=MUR_ADMIN)
        await put(client, "RU-MUR", MUR, status=403, headers=MUR_OPERATOR)
        await put(client, "RU-MUR", MUR, headers=MUR_ADMIN)
        assert (await client.get(f"/v1/lean-reports/RU-MUR/{DATE}", headers=KYA_ADMIN)).status_code == 403

    async def test_a_date_is_entered_per_region_or_for_the_federation(self, client: httpx.AsyncClient) -> None:
        await put(client, "RU", [row(1, "adult_polyclinic", c2=959)], as_of="2019-06-01")
        refused = await put(client, "RU-MUR", MUR, status=409, as_of="2019-06-01")
        assert refused["reason"] == "federation_and_regions"
        await put(client, "RU", [row(1, "adult_polyclinic", c2=1)], status=403, headers=MUR_ADMIN, as_of="2019-06-01")
        await put(client, "RU-MUR", MUR)
        await put(client, "RU", [row(1, "adult_polyclinic", c2=959)], status=409)


class TestExport:
    async def test_xlsx_in_the_printed_layout(self, client: httpx.AsyncClient) -> None:
        await put(client, "RU-MUR", MUR)
        response = await client.get(
            "/v1/lean-reports/summary", params={"as_of": DATE, "format": "xlsx"}, headers=FEDERAL
        )
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["Таблица 1", "Таблица 2", "Таблица 3"]
        sheet = book["Таблица 3"]
        values = [[c.value for c in r] for r in sheet.iter_rows()]
        assert values[1][0].startswith("Таблица 3.")
        assert values[2][0] == "Структурные подразделения"
        assert "Было" in values[4] and "Стало" in values[4]
        numbers = next(r for r in values if r[0] == 1)
        assert numbers[:4] == [1, 2, 3, 4]
        mixed = next(r for r in values if r[0] == "Взросло-детские поликлиники")
        assert mixed[7:11] == ["х", "х", "х", "х"]
        adult = next(r for r in values if r[0] == "Взрослые поликлиники (отделения)")
        assert adult[11] == 19 and adult[1] == 50
        assert sheet.freeze_panes is not None

    async def test_csv_one_cell_a_line(self, client: httpx.AsyncClient) -> None:
        await put(client, "RU-MUR", MUR)
        response = await client.get(
            "/v1/lean-reports/summary", params={"as_of": DATE, "format": "csv"}, headers=FEDERAL
        )
        lines = response.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("Таблица;Тип подразделений;Графа;")
        share = next(line.split(";") for line in lines if line.startswith("1;взрослые поликлиники (отделения);9;"))
        assert share[4:8] == ["75", "30", "40", "1"]
        plain = await client.get(
            "/v1/lean-reports/summary", params={"as_of": DATE, "format": "csv", "dialect": "plain"}, headers=FEDERAL
        )
        assert plain.content.decode("utf-8-sig").splitlines()[0].startswith("table,row_type,col,")


class TestConcurrentWriters:
    async def test_of_two_writers_at_one_version_one_wins(self, client: httpx.AsyncClient) -> None:
        await put(client, "RU-MUR", MUR)
        bodies = [[row(2, "adult_polyclinic", c2=n)] for n in (4, 5)]
        answers = await asyncio.gather(
            *(
                client.put(
                    f"/v1/lean-reports/RU-MUR/{DATE}", json={"rows": b}, headers={**FEDERAL, "If-Match": 'W/"1"'}
                )
                for b in bodies
            )
        )
        assert sorted(a.status_code for a in answers) == [200, 409]
        read = (await client.get(f"/v1/lean-reports/RU-MUR/{DATE}", headers=FEDERAL)).json()
        assert read["version"] == 2
