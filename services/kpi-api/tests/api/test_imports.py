from __future__ import annotations

import io

import httpx
import pytest
from openpyxl import Workbook

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, create_indicator


@pytest.fixture
async def catalogue(client: httpx.AsyncClient, org_tree: None) -> None:
    await create_indicator(client, "VISITS", periodicity="month")
    await create_indicator(client, "DOCTORS")


def upload(content: bytes, name: str = "values.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, content, "application/octet-stream")}


async def stored(client: httpx.AsyncClient) -> list[tuple[str, str, float]]:
    items = (await client.get("/v1/values", headers=FEDERAL)).json()["items"]
    return sorted((v["org_unit_code"], v["period"], v["value"]) for v in items)


class TestValuesImport:
    CSV = (
        "\ufeffindicator_code;org_unit_code;period;value;comment\n"
        "VISITS;MUR-A;2025-04;1 234,5;\n"
        "DOCTORS;MUR-B;2025Q2;12;ок\n"
    )

    async def test_csv_with_bom_semicolons_and_decimal_comma(self, client: httpx.AsyncClient, catalogue: None) -> None:
        response = await client.post("/v1/values/import", files=upload(self.CSV.encode()), headers=MUR_OPERATOR)
        assert response.status_code == 200, response.text
        assert response.json()["applied"] is True
        assert response.json()["created"] == 2
        assert await stored(client) == [("MUR-A", "2025-04", 1234.5), ("MUR-B", "2025Q2", 12)]

    async def test_dry_run_applies_nothing(self, client: httpx.AsyncClient, catalogue: None) -> None:
        response = await client.post(
            "/v1/values/import", params={"dry_run": "true"}, files=upload(self.CSV.encode()), headers=MUR_OPERATOR
        )
        assert response.status_code == 200
        assert (response.json()["applied"], response.json()["errors"]) == (False, [])
        assert await stored(client) == []

    async def test_one_bad_row_applies_nothing_and_is_named(self, client: httpx.AsyncClient, catalogue: None) -> None:
        content = "indicator_code,org_unit_code,period,value\nVISITS,MUR-A,2025-04,10\nVISITS,MUR-A,2025Q2,10\n"
        response = await client.post("/v1/values/import", files=upload(content.encode()), headers=MUR_OPERATOR)
        assert response.status_code == 422
        body = response.json()
        assert body["errors"][0]["pointer"] == "/rows/2/period"
        assert body["report"]["errors"][0]["row"] == 2
        assert await stored(client) == []

    async def test_row_outside_scope_applies_nothing(self, client: httpx.AsyncClient, catalogue: None) -> None:
        content = "indicator_code,org_unit_code,period,value\nVISITS,MUR-A,2025-04,10\nVISITS,KYA-A,2025-04,10\n"
        response = await client.post("/v1/values/import", files=upload(content.encode()), headers=MUR_OPERATOR)
        assert response.status_code == 422
        assert response.json()["report"]["errors"][0]["status"] == 403
        assert await stored(client) == []

    async def test_xlsx(self, client: httpx.AsyncClient, catalogue: None) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["indicator_code", "org_unit_code", "period", "value"])
        sheet.append(["VISITS", "MUR-A", "2025-05", 0.1])
        sheet.append(["VISITS", "MUR-B", "2025-05", 7])
        buffer = io.BytesIO()
        book.save(buffer)
        response = await client.post(
            "/v1/values/import", files=upload(buffer.getvalue(), "values.xlsx"), headers=FEDERAL
        )
        assert response.status_code == 200, response.text
        assert await stored(client) == [("MUR-A", "2025-05", 0.1), ("MUR-B", "2025-05", 7)]

    async def test_unreadable_files_are_422(self, client: httpx.AsyncClient, catalogue: None) -> None:
        for content in (b"PK\x03\x04broken", b"\xff\xfe\x00bad", b"code\nX\n"):
            response = await client.post("/v1/values/import", files=upload(content), headers=FEDERAL)
            assert response.status_code == 422
            assert response.json()["errors"][0]["pointer"] == "/file"


class TestIndicatorsImport:
    CSV = (
        "code,name_ru,unit,kind,formula,direction,periodicity,time_aggregation,org_unit_code,period,baseline,target\n"
        "DOCTORS,Врачи,чел.,input,,higher_is_better,quarter,last,RU-MUR,2025,100,120\n"
        "DOCTORS,,,,,,,,MUR-A,2025,,60\n"
        "POSTS,Должности,ед.,input,,higher_is_better,quarter,last,,,,\n"
        'STAFFING,Укомплектованность,%,formula,DOCTORS / POSTS * 100,higher_is_better,quarter,,RU-MUR,2025,80,"90,5"\n'
    )

    async def test_indicators_and_targets_are_created(self, client: httpx.AsyncClient, org_tree: None) -> None:
        response = await client.post("/v1/indicators/import", files=upload(self.CSV.encode()), headers=MUR_ADMIN)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["indicators_created"], body["targets_created"]) == (3, 3)
        targets = (await client.get("/v1/indicators/STAFFING/targets", headers=FEDERAL)).json()
        assert [(t["org_unit_code"], t["target"], t["baseline"]) for t in targets] == [("RU-MUR", 90.5, 80)]

    async def test_bad_row_applies_nothing(self, client: httpx.AsyncClient, org_tree: None) -> None:
        content = self.CSV.replace("DOCTORS / POSTS * 100", "DOCTORS / NURSES").replace("MUR-A,2025", "MUR-A,2025-01")
        response = await client.post("/v1/indicators/import", files=upload(content.encode()), headers=FEDERAL)
        assert response.status_code == 422
        pointers = [e["pointer"] for e in response.json()["errors"]]
        assert pointers == ["/rows/2/period", "/rows/4/formula"]
        assert (await client.get("/v1/indicators", headers=FEDERAL)).json()["items"] == []

    async def test_scope_and_role(self, client: httpx.AsyncClient, org_tree: None) -> None:
        operator = await client.post("/v1/indicators/import", files=upload(self.CSV.encode()), headers=MUR_OPERATOR)
        assert operator.status_code == 403
        other = await client.post("/v1/indicators/import", files=upload(self.CSV.encode()), headers=KYA_ADMIN)
        assert other.status_code == 422
        assert {e["status"] for e in other.json()["report"]["errors"]} == {403}
        assert (await client.get("/v1/indicators", headers=FEDERAL)).json()["items"] == []
