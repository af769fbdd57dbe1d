from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from .conftest import ANALYST, FEDERAL, KYA_ADMIN, MUR_ADMIN, create_campaign, item, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")


@pytest.fixture
async def stored(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    await create_campaign(client)
    gp1 = await register_kiosk(client)
    kya = await register_kiosk(client, org_unit="KYA-GP4")
    items = [item(comment='=HYPERLINK("http://x")'), item(comment="@SUM(A1)"), item(), item(comment="спасибо")]
    await client.post("/v1/responses/batch", json={"responses": items}, headers=kiosk_auth(gp1))
    await client.post("/v1/responses/batch", json={"responses": [item(comment="KYA")]}, headers=kiosk_auth(kya))
    return items


async def test_csv_has_bom_and_escapes_formulas(client: httpx.AsyncClient, stored: list[dict[str, Any]]) -> None:
    response = await client.get(
        "/v1/exports/responses",
        params={"campaign": "mur-2025", "period": "2025Q2", "dialect": "plain"},
        headers=ANALYST,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 5
    comments = sorted(r["comment"] for r in rows if r["comment"])
    assert comments == ['\'=HYPERLINK("http://x")', "'@SUM(A1)", "KYA", "спасибо"]
    assert {r["q1_process"] for r in rows} == {"yes"}


async def test_csv_scoped(client: httpx.AsyncClient, stored: list[dict[str, Any]]) -> None:
    mur = await client.get(
        "/v1/exports/responses",
        params={"campaign": "mur-2025", "period": "2025", "org_unit": "RU-MUR"},
        headers=MUR_ADMIN,
    )
    assert len(mur.content.decode("utf-8-sig").strip().splitlines()) == 1 + 4
    refused = await client.get(
        "/v1/exports/responses",
        params={"campaign": "mur-2025", "period": "2025", "org_unit": "RU-MUR"},
        headers=KYA_ADMIN,
    )
    assert refused.status_code == 403


async def test_csv_for_a_russian_excel(client: httpx.AsyncClient, stored: list[dict[str, Any]]) -> None:
    response = await client.get(
        "/v1/exports/responses", params={"campaign": "mur-2025", "period": "2025Q2"}, headers=ANALYST
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 5
    assert {r["q1_process"] for r in rows} == {"Да"} and {r["Канал"] for r in rows} == {"стойка"}
    assert all(len(r["Отправлен (UTC)"]) == len("10.05.2025 09:00:00") for r in rows)
    assert sorted(r["comment"] for r in rows if r["comment"])[0] == '\'=HYPERLINK("http://x")'
    book = load_workbook(
        io.BytesIO(
            (
                await client.get(
                    "/v1/exports/responses",
                    params={"campaign": "mur-2025", "period": "2025Q2", "format": "xlsx"},
                    headers=ANALYST,
                )
            ).content
        )
    )
    sheet = book["Ответы"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].value == "Идентификатор ответа"
    assert sheet["E2"].is_date  # after channel and entered_by


async def test_xlsx(client: httpx.AsyncClient, stored: list[dict[str, Any]]) -> None:
    response = await client.get(
        "/v1/exports/responses",
        params={"campaign": "mur-2025", "period": "2025-05", "format": "xlsx", "dialect": "plain"},
        headers=FEDERAL,
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "org_unit_code", "channel")
    assert len(rows) == 6
    assert "'@SUM(A1)" in {row[-1] for row in rows}


async def test_comments_paged(client: httpx.AsyncClient, stored: list[dict[str, Any]]) -> None:
    first = await client.get("/v1/comments", params={"campaign": "mur-2025", "limit": 2}, headers=FEDERAL)
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2
    second = await client.get(
        "/v1/comments", params={"campaign": "mur-2025", "limit": 2, "cursor": page["next_cursor"]}, headers=FEDERAL
    )
    ids = [c["response_id"] for c in page["items"] + second.json()["items"]]
    assert len(ids) == len(set(ids)) == 4
    mur = (await client.get("/v1/comments", params={"campaign": "mur-2025"}, headers=MUR_ADMIN)).json()
    assert len(mur["items"]) == 3
    bad = await client.get("/v1/comments", params={"campaign": "mur-2025", "cursor": "!!"}, headers=FEDERAL)
    assert bad.status_code == 422
