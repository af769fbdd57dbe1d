"""Regressions found by fuzzing the published contract (tests/security): input a client can send that
ended in a 500."""

from __future__ import annotations

import httpx
import pytest

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])


async def test_org_unit_csv_with_a_bare_cr_in_the_header_is_422(client: httpx.AsyncClient) -> None:
    # csv raised "new-line character seen in unquoted field" while reading the header, outside the
    # try that turns csv errors into a 422.
    files = {"file": ("units.csv", b"code,name\rru,level\nRU,x,federation\n", "text/csv")}
    response = await client.post("/v1/org-units/import", files=files, headers=FEDERAL)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/file"


@pytest.mark.parametrize("value_id", [2**31, 2**63, 10**30, 0])
@pytest.mark.parametrize("suffix", ["", "/history"])
async def test_value_id_beyond_the_column_range_is_422(client: httpx.AsyncClient, value_id: int, suffix: str) -> None:
    # Ids are INTEGER columns: SQLite's driver overflowed on 2**63, asyncpg refuses anything over 2**31 - 1.
    response = await client.get(f"/v1/values/{value_id}{suffix}", headers=FEDERAL)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == "/path/value_id"


async def test_value_workflow_on_a_huge_id_is_422(client: httpx.AsyncClient) -> None:
    for action in ("submit", "approve", "reopen"):
        response = await client.post(f"/v1/values/{2**63}/{action}", json={}, headers=FEDERAL)
        assert response.status_code == 422, (action, response.text)


async def test_analytics_of_a_formula_with_a_huge_numerator_is_200(client: httpx.AsyncClient) -> None:
    # The ratio parts of A/A/…/A (7^±500) reached plain(), whose quantize(1) needs more than 28 digits:
    # decimal.InvalidOperation, a 500. Found by tests/security/test_hostile_input.py.
    for unit in ({"code": "RU", "name_ru": "РФ", "level": "federation"},
                 {"code": "RU-MUR", "name_ru": "М", "level": "region", "parent_code": "RU", "timezone": "Europe/Moscow"}):  # fmt: skip  # noqa: E501
        assert (await client.post("/v1/org-units", json=unit, headers=FEDERAL)).status_code == 201
    common = {"name_ru": "x", "unit": "u", "direction": "higher_is_better", "periodicity": "quarter"}
    response = await client.post("/v1/indicators", json={"code": "A", "kind": "input", **common}, headers=FEDERAL)
    assert response.status_code == 201, response.text
    formula = {"code": "F", "kind": "formula", "formula": "/".join(["A"] * 1000), **common}
    assert (await client.post("/v1/indicators", json=formula, headers=FEDERAL)).status_code == 201
    item = {"indicator_code": "A", "org_unit_code": "RU-MUR", "period": "2025Q2", "value": 7}
    assert (await client.post("/v1/values", json={"items": [item]}, headers=FEDERAL)).status_code == 200
    params = {"indicators": "F", "org_units": "RU-MUR", "periods": "2025Q2"}
    response = await client.get("/v1/analytics", params=params, headers=FEDERAL)
    assert response.status_code == 200, response.text


async def test_parsing_an_upload_does_not_block_other_requests(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # read_table ran on the event loop: a 10 MiB workbook (seconds of openpyxl) stalled every request.
    import asyncio
    import time

    from kpi_api.imports import parsing, values

    def slow_read_table(content: bytes, required: tuple[str, ...]) -> list[dict[str, str]]:
        time.sleep(1.0)  # stands for the CPU a large workbook takes
        return parsing.read_table(content, required)

    monkeypatch.setattr(values, "read_table", slow_read_table)
    files = {"file": ("v.csv", b"indicator_code;org_unit_code;period;value\n", "text/csv")}
    upload = asyncio.create_task(client.post("/v1/values/import", files=files, headers=FEDERAL))
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    assert (await client.get("/healthz")).status_code == 200
    assert time.perf_counter() - started < 0.5
    assert not upload.done()
    assert (await upload).status_code in (200, 422)
