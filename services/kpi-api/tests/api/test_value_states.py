"""The four kinds of "no number": "x" (not_applicable), "нет должности" (no_post), "-" (not_reported) are
stored as such with no value, shown in analytics with their reason and left out of roll-ups; the
fourth, an empty cell, is simply missing. Imports read them, printed numbers ("85,5%", "1 234,5") and
printed totals (kept, with a warning when they differ from the computed total)."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from .conftest import FEDERAL, create_indicator, item, post_values

pytestmark = pytest.mark.usefixtures("org_tree")


def bare(code: str, unit: str, period: str, **extra: Any) -> dict[str, Any]:
    return {"indicator_code": code, "org_unit_code": unit, "period": period, **extra}


async def analytics(client: httpx.AsyncClient, code: str, units: str, period: str) -> dict[str, dict[str, Any]]:
    response = await client.get(
        "/v1/analytics", params={"indicators": code, "org_units": units, "periods": period}, headers=FEDERAL
    )
    assert response.status_code == 200, response.text
    return {row["org_unit_code"]: row for row in response.json()["rows"]}


def upload(content: bytes, name: str = "values.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, content, "application/octet-stream")}


async def stored(client: httpx.AsyncClient, code: str) -> dict[str, tuple[Any, Any]]:
    items = (await client.get("/v1/values", params={"indicator": code}, headers=FEDERAL)).json()["items"]
    return {v["org_unit_code"]: (v["value"], v["state"]) for v in items if v["indicator_code"] == code}


class TestStates:
    async def test_states_are_stored_without_a_number(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "DOCTORS")
        results = await post_values(
            client,
            [
                bare("DOCTORS", "MUR-A", "2025Q2", state="not_applicable"),
                bare("DOCTORS", "MUR-B", "2025Q2", state="no_post"),
                bare("DOCTORS", "KYA-A", "2025Q2", state="not_reported"),
                bare("DOCTORS", "RU-MUR-MUR", "2025Q2", state="not_applicable", value=0),
                bare("DOCTORS", "RU-MUR-MON", "2025Q2", state="nothing"),
            ],
        )
        assert [r["status"] for r in results] == ["created", "created", "created", "rejected", "rejected"]
        # A value in an "x" cell: 422 at the value, saying why.
        problem = results[3]["problem"]
        assert (problem["status"], problem["errors"][0]["pointer"]) == (422, "/items/3/value")
        assert "has no number" in problem["errors"][0]["message"]
        assert results[4]["problem"]["status"] == 422
        assert await stored(client, "DOCTORS") == {
            "MUR-A": (None, "not_applicable"),
            "MUR-B": (None, "no_post"),
            "KYA-A": (None, "not_reported"),
        }
        # A number replaces a state (and the state goes).
        await post_values(client, [item("DOCTORS", "MUR-A", "2025Q2", 4)])
        assert (await stored(client, "DOCTORS"))["MUR-A"] == (4, None)

    async def test_analytics_gives_the_reason_and_leaves_them_out(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "SCREENED", unit="%", aggregation="ratio")
        await create_indicator(client, "WAIT", unit="дней", aggregation="average", direction="lower_is_better")
        await post_values(
            client,
            [
                bare("SCREENED", "MUR-A", "2025Q2", numerator=412, denominator=530),
                bare("SCREENED", "MUR-B", "2025Q2", state="no_post"),
                item("WAIT", "MUR-A", "2025Q2", 12),
                bare("WAIT", "MUR-B", "2025Q2", state="not_reported"),
            ],
            submit=True,
        )
        rows = await analytics(client, "SCREENED", "RU-MUR,MUR-A,MUR-B", "2025Q2")
        # 412 ÷ 530 × 100 = 77.735… → 77.7: MUR-B's "нет должности" adds nothing to either sum.
        assert (rows["RU-MUR"]["value"], rows["RU-MUR"]["numerator"], rows["RU-MUR"]["denominator"]) == (77.7, 412, 530)
        assert rows["RU-MUR"]["reported_units"] == 1
        assert (rows["MUR-B"]["value"], rows["MUR-B"]["reason"]) == (None, "no_post")
        waits = await analytics(client, "WAIT", "RU-MUR,MUR-B", "2025Q2")
        # The average is 12, not (12 + 0) ÷ 2.
        assert waits["RU-MUR"]["value"] == 12
        assert (waits["MUR-B"]["value"], waits["MUR-B"]["reason"]) == (None, "not_reported")


class TestImport:
    async def test_printed_cells_states_and_totals(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "STAFF", unit="чел.")
        await create_indicator(client, "DISP_PCT", unit="%", aggregation="average")
        content = (
            "\ufeffindicator_code;org_unit_code;period;value\n"
            "STAFF;MUR-A;2025Q2;1 234,5\n"
            "STAFF;MUR-B;2025Q2;нет должности\n"
            "STAFF;RU-MUR;2025Q2;1\u00a0300,0\n"
            "STAFF;Итого;2025Q2;1234,5\n"
            "DISP_PCT;MUR-A;2025Q2;85,5%\n"
            "DISP_PCT;MUR-B;2025Q2;-\n"
            "DISP_PCT;KYA-A;2025Q2;х\n"
            "DISP_PCT;Всего;2025Q2;80\n"
        )
        response = await client.post(
            "/v1/values/import", params={"submit": "true"}, files=upload(content.encode()), headers=FEDERAL
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["applied"], report["rows"], report["created"], report["errors"]) == (True, 8, 6, [])
        # Row 3 prints 1300 for the region, its rows add up to 1234.5 (MUR-B has no number); row 4's
        # "Итого" agrees; row 8's "Всего" prints 80 where the average of the reported rows is 85.5.
        assert [(w["row"], w["pointer"]) for w in report["warnings"]] == [(3, "/value"), (8, "/value")]
        assert report["warnings"][0]["message"] == (
            "the printed total 1300 differs from the computed 1234.5 (sum of rows 1); both are kept"
        )
        assert "computed 85.5" in report["warnings"][1]["message"]
        assert await stored(client, "STAFF") == {
            "MUR-A": (1234.5, None),
            "MUR-B": (None, "no_post"),
            "RU-MUR": (1300, None),
        }
        assert await stored(client, "DISP_PCT") == {
            "MUR-A": (85.5, None),
            "MUR-B": (None, "not_reported"),
            "KYA-A": (None, "not_applicable"),
        }
        rows = await analytics(client, "DISP_PCT", "RU-MUR,MUR-B", "2025Q2")
        assert (rows["RU-MUR"]["value"], rows["MUR-B"]["reason"]) == (85.5, "not_reported")

    async def test_xlsx_cells(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "STAFF", unit="чел.")
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["indicator_code", "org_unit_code", "period", "value"])
        sheet.append(["STAFF", "MUR-A", "2025Q2", "x"])
        sheet.append(["STAFF", "MUR-B", "2025Q2", "2\u00a0048,25"])
        sheet.append(["STAFF", "KYA-A", "2025Q2", 7])
        buffer = io.BytesIO()
        book.save(buffer)
        response = await client.post(
            "/v1/values/import", files=upload(buffer.getvalue(), "values.xlsx"), headers=FEDERAL
        )
        assert response.status_code == 200, response.text
        assert response.json()["warnings"] == []
        assert await stored(client, "STAFF") == {
            "MUR-A": (None, "not_applicable"),
            "MUR-B": (2048.25, None),
            "KYA-A": (7, None),
        }

    async def test_a_number_in_a_state_cell_is_a_row_error(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "STAFF", unit="чел.")
        content = "indicator_code;org_unit_code;period;value;state\nSTAFF;MUR-A;2025Q2;5;not_applicable\n"
        response = await client.post("/v1/values/import", files=upload(content.encode()), headers=FEDERAL)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == "/rows/1/value"
