"""Hostile input against the three services in-process: oversized and deeply nested bodies, huge
strings, broken uploads, formulas built to exhaust the parser, spreadsheet formula injection in the
exports. Each gets a clear 4xx problem (or is neutralised) quickly, and the service keeps answering.
Last, slow-loris clients against a real uvicorn process."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import select
import socket
import time
import urllib.request
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from inprocess import service_clients, throwaway_databases
from openpyxl import load_workbook
from support import SERVICES, ZONES, caller_headers, is_problem

from zdrav_shared.testing import TEST_JWT_SECRET, ThrowawayDatabase

FEDERAL = caller_headers("federal")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INJECTIONS = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", '=HYPERLINK("http://x")']
FAST_S = 10.0  # refused without pathological work: a bound, not a benchmark (a busy 2-core CI box took > 2 s once)
ANSWERS = {"q1_process": "yes", "q2_documents": "yes", "q3_duration": "rather_yes", "q4_simplicity": "no",
           "q5_support": "dont_know", "nps": 9}  # fmt: skip
KIOSK: dict[str, str] = {}  # the seeded kiosk's Authorization header: the batch endpoint takes only kiosk tokens


@pytest.fixture(scope="module")
def database_urls() -> Iterator[dict[str, str]]:
    with throwaway_databases("sec-hostile") as urls:
        yield urls


@pytest.fixture(scope="module")
async def clients(database_urls: dict[str, str]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One client per service; the apps run for the whole module."""
    async with service_clients(database_urls) as opened:
        await _seed(opened)
        yield opened


async def _seed(clients: dict[str, httpx.AsyncClient]) -> None:
    kpi, survey = clients["kpi-api"], clients["survey-api"]
    units = [
        {"code": "RU", "name_ru": "РФ", "level": "federation"},
        {
            "code": "RU-MUR",
            "name_ru": "Мурманская",
            "level": "region",
            "parent_code": "RU",
            "timezone": ZONES["RU-MUR"],
        },
    ]
    for unit in units:
        assert (await kpi.post("/v1/org-units", json=unit, headers=FEDERAL)).status_code == 201
    for code, unit in [("A", "чел."), ("INJ", INJECTIONS[0])]:
        body = {"code": code, "name_ru": code, "unit": unit, "kind": "input", "direction": "higher_is_better",
                "periodicity": "quarter"}  # fmt: skip
        assert (await kpi.post("/v1/indicators", json=body, headers=FEDERAL)).status_code == 201, body
    items = [{"indicator_code": c, "org_unit_code": "RU-MUR", "period": "2025Q2", "value": 7} for c in ("A", "INJ")]
    assert (await kpi.post("/v1/values", json={"items": items}, headers=FEDERAL)).status_code == 200
    campaign = {"code": "sec-2025", "questionnaire_code": "nsi-standard", "org_unit_codes": ["MUR-GP1"],
                "starts_on": "2025-01-01", "ends_on": "2026-12-31", "channels": ["kiosk", "online"]}  # fmt: skip
    assert (await survey.post("/v1/campaigns", json=campaign, headers=FEDERAL)).status_code == 201
    kiosk = {"campaign_code": "sec-2025", "org_unit_code": "MUR-GP1", "name": "Холл"}
    created = await survey.post("/v1/kiosks", json=kiosk, headers=FEDERAL)
    assert created.status_code == 201, created.text
    KIOSK["Authorization"] = f"Bearer {created.json()['token']}"


def _caller_for(path: str) -> dict[str, str]:
    return KIOSK if path == "/v1/responses/batch" else FEDERAL


async def _still_answering(client: httpx.AsyncClient) -> None:
    started = time.perf_counter()
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert time.perf_counter() - started < FAST_S


def _assert_problem(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert is_problem(response), response.headers
    assert response.json()["status"] == response.status_code


# Per service: an ordinary JSON write and the limit it runs under (settings: 64 KiB; survey's kiosk batch
# 4 MiB and roadmap's programmes 2 MiB by their own settings).
JSON_WRITES = [
    ("kpi-api", "/v1/values", 65_536),
    ("kpi-api", "/v1/org-units", 65_536),
    ("survey-api", "/v1/campaigns", 65_536),
    ("survey-api", "/v1/responses", 65_536),
    ("survey-api", "/v1/responses/batch", 4 * 1024 * 1024),
    ("roadmap-api", "/v1/roadmaps", 65_536),
    ("roadmap-api", "/v1/programmes", 2 * 1024 * 1024),
]


@pytest.mark.parametrize(("service", "path", "limit"), JSON_WRITES)
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_oversized_body_is_413(
    clients: dict[str, httpx.AsyncClient], service: str, path: str, limit: int, framing: str
) -> None:
    body = b'{"pad": "' + b"x" * (limit + 1024) + b'"}'
    headers = {**_caller_for(path), "content-type": "application/json"}
    if framing == "chunked":

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 16_384):
                yield body[start : start + 16_384]

        response = await clients[service].post(path, content=chunks(), headers=headers)
    else:
        response = await clients[service].post(path, content=body, headers=headers)
    _assert_problem(response, 413)
    await _still_answering(clients[service])


@pytest.mark.parametrize(("service", "path", "limit"), JSON_WRITES)
@pytest.mark.parametrize(
    "nesting",
    [
        pytest.param(b"[" * 10_000 + b"]" * 10_000, id="array-10k"),
        pytest.param(b'{"a":' * 10_000 + b"1" + b"}" * 10_000, id="object-10k"),
        pytest.param(b'{"items":' + b"[" * 10_000 + b"]" * 10_000 + b"}", id="inside-a-field-10k"),
    ],
)
async def test_deeply_nested_json_is_a_4xx_not_a_recursion_error(
    clients: dict[str, httpx.AsyncClient], service: str, path: str, limit: int, nesting: bytes
) -> None:
    started = time.perf_counter()
    headers = {**_caller_for(path), "content-type": "application/json"}
    response = await clients[service].post(path, content=nesting, headers=headers)
    _assert_problem(response, 400, 422)
    assert time.perf_counter() - started < FAST_S
    await _still_answering(clients[service])


async def test_ten_megabyte_strings_are_refused(clients: dict[str, httpx.AsyncClient]) -> None:
    huge = "я" * 10_000_000
    body = {"code": "HUGE", "name_ru": huge, "unit": "u", "kind": "input", "direction": "higher_is_better",
            "periodicity": "quarter"}  # fmt: skip
    _assert_problem(await clients["kpi-api"].post("/v1/indicators", json=body, headers=FEDERAL), 413)
    roadmap = {"region_code": "RU-MUR", "life_situation": huge, "title": "x"}
    _assert_problem(await clients["roadmap-api"].post("/v1/roadmaps", json=roadmap, headers=FEDERAL), 413)
    # The kiosk batch allows 4 MiB: a 10 MB comment is over it as well.
    batch = {"responses": [{"id": str(uuid.uuid4()), "submitted_at": "2025-05-10T09:00:00+03:00",
                            "answers": {"comment": huge}}]}  # fmt: skip
    _assert_problem(await clients["survey-api"].post("/v1/responses/batch", json=batch, headers=KIOSK), 413)
    # The import endpoints take 10 MiB files: one 9 MB cell is refused by the CSV reader's field limit.
    for path in ("/v1/org-units/import", "/v1/values/import", "/v1/indicators/import"):
        content = b"code;name_ru;level\n" + b"A" * 9_000_000 + b";x;region\n"
        response = await clients["kpi-api"].post(
            path, files={"file": ("big.csv", content, "text/csv")}, headers=FEDERAL
        )
        _assert_problem(response, 422)
    # Longer strings than a field allows, inside the body limit: a 422 with the pointer.
    long_name = {**body, "name_ru": "я" * 20_000}
    response = await clients["kpi-api"].post("/v1/indicators", json=long_name, headers=FEDERAL)
    _assert_problem(response, 422)
    assert response.json()["errors"][0]["pointer"] == "/name_ru"
    await _still_answering(clients["kpi-api"])


def _zip_that_is_not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml <<<")
    return buffer.getvalue()


UPLOADS = [
    pytest.param("bad.csv", b"indicator_code;org_unit_code;period;value\n\xff\xfe\xfa;RU-MUR;2025Q2;1\n", "text/csv",
                 id="invalid-utf8-csv"),
    pytest.param("bad.csv", "код;имя\n".encode("cp1251"), "text/csv", id="cp1251-csv"),
    pytest.param("bad.xlsx", b"\xd0\xcf\x11\xe0" + bytes(range(256)) * 40, XLSX, id="xls-bytes-as-xlsx"),
    pytest.param("bad.xlsx", b"PK\x03\x04" + b"garbage" * 200, XLSX, id="broken-zip-as-xlsx"),
    pytest.param("bad.xlsx", _zip_that_is_not_a_workbook(), XLSX, id="zip-not-a-workbook"),
    pytest.param("bad.xlsx", b"code,name_ru,level\nRU-X,x,region\n", XLSX, id="csv-declared-as-xlsx"),
    pytest.param("bad.csv", b"code;name\x00;level\n", "text/csv", id="nul-bytes"),
    pytest.param("bad.csv", b"code,name\rru,level\nRU,x,federation\n", "text/csv", id="bare-cr-in-header"),
    pytest.param("empty.csv", b"", "text/csv", id="empty"),
]  # fmt: skip


@pytest.mark.parametrize("path", ["/v1/org-units/import", "/v1/values/import", "/v1/indicators/import"])
@pytest.mark.parametrize(("name", "content", "content_type"), UPLOADS)
async def test_broken_uploads_are_422(
    clients: dict[str, httpx.AsyncClient], path: str, name: str, content: bytes, content_type: str
) -> None:
    started = time.perf_counter()
    response = await clients["kpi-api"].post(path, files={"file": (name, content, content_type)}, headers=FEDERAL)
    _assert_problem(response, 422)
    assert time.perf_counter() - started < FAST_S


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _xlsx_bomb(rows: int) -> bytes:
    """A small file that inflates to a large sheet (the same row repeated)."""
    cells = "".join(f'<c r="{col}1" t="inlineStr"><is><t>{"x" * 100}</t></is></c>' for col in "ABCDEFGH")
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
            '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData>'
        + f"<row>{cells}</row>" * rows
        + "</sheetData></worksheet>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0"?>' + xml)
    return buffer.getvalue()


async def test_an_xlsx_that_inflates_is_refused_quickly(clients: dict[str, httpx.AsyncClient]) -> None:
    path = "/v1/values/import"
    bomb = _xlsx_bomb(40_000)  # ~0.5 MB on the wire, ~35 MB of sheet XML, twice the 20 000 rows allowed
    assert len(bomb) < 1_000_000
    kpi = clients["kpi-api"]
    started = time.perf_counter()
    upload = asyncio.create_task(kpi.post(path, files={"file": ("bomb.xlsx", bomb, XLSX)}, headers=FEDERAL))
    await asyncio.sleep(0.2)
    # While the workbook is being parsed (off the event loop), the service keeps answering.
    latencies = []
    while not upload.done():
        probe = time.perf_counter()
        assert (await kpi.get("/v1/indicators", headers=FEDERAL)).status_code == 200
        latencies.append(time.perf_counter() - probe)
        await asyncio.sleep(0.1)
    response = await upload
    _assert_problem(response, 413, 422)  # more than MAX_ROWS rows
    assert time.perf_counter() - started < 20.0
    assert latencies and max(latencies) < FAST_S, latencies


FORMULAS = [
    pytest.param("(" * 999 + "A" + ")" * 999, id="parenthesised-999-deep"),
    pytest.param("-" * 1999 + "A", id="unary-minus-1999"),
    pytest.param("prev(" * 330 + "A" + ")" * 330, id="prev-nested"),
    pytest.param("((A*" * 400, id="unbalanced"),
    pytest.param("+".join(["A"] * 1000), id="sum-of-1000"),
    pytest.param("/".join(["A"] * 1000), id="division-chain-1000"),
    pytest.param("*".join(["A"] * 1000), id="product-chain-1000"),
    pytest.param("9" * 1990 + "*A", id="1990-digit-number"),
    pytest.param("0." + "0" * 1990 + "1*A", id="tiny-number"),
    pytest.param("A" + "*-" * 998 + "A", id="alternating-signs"),
    pytest.param("1e999999*A", id="exponent"),
    pytest.param("(" * 20_000 + "A" + ")" * 20_000, id="over-the-length-limit"),
    pytest.param("A\u0000+A", id="nul"),
    pytest.param("А+A", id="cyrillic-lookalike"),
]


@pytest.mark.parametrize("formula", FORMULAS)
async def test_formulas_built_to_exhaust_the_parser(clients: dict[str, httpx.AsyncClient], formula: str) -> None:
    kpi = clients["kpi-api"]
    code = f"F{uuid.uuid4().hex[:8].upper()}"
    body = {"code": code, "name_ru": "x", "unit": "%", "kind": "formula", "formula": formula,
            "direction": "higher_is_better", "periodicity": "quarter"}  # fmt: skip
    started = time.perf_counter()
    response = await kpi.post("/v1/indicators", json=body, headers=FEDERAL)
    assert time.perf_counter() - started < FAST_S
    if response.status_code == 201:
        # Accepted: evaluating it over the data is just as bounded (a value or null with a reason).
        params = {"indicators": code, "org_units": "RU-MUR", "periods": "2025Q2"}
        started = time.perf_counter()
        answer = await kpi.get("/v1/analytics", params=params, headers=FEDERAL)
        assert answer.status_code == 200, answer.text[:500]
        assert time.perf_counter() - started < FAST_S
        row = answer.json()["rows"][0]
        assert row["value"] is not None or row.get("reason")
    else:
        _assert_problem(response, 422)
        assert response.json()["errors"][0]["pointer"] == "/formula"


def _assert_neutralised(cell: str, original: str) -> None:
    assert cell == "'" + original, (cell, original)


async def test_kpi_analytics_export_escapes_formula_cells(clients: dict[str, httpx.AsyncClient]) -> None:
    """INJ's unit (a free label) is '=cmd|…': escaped in CSV and stored as text (not a formula) in XLSX."""
    params = {"indicators": "INJ,A", "org_units": "RU-MUR", "periods": "2025Q2", "dialect": "plain"}
    response = await clients["kpi-api"].get("/v1/analytics/export", params={**params, "format": "csv"}, headers=FEDERAL)
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    units = {row["indicator_code"]: row["unit"] for row in rows}
    _assert_neutralised(units["INJ"], INJECTIONS[0])
    assert units["A"] == "чел."
    for row in rows:
        for value in row.values():
            assert not (value or "").startswith(("=", "+", "@")), row

    response = await clients["kpi-api"].get(
        "/v1/analytics/export", params={**params, "format": "xlsx"}, headers=FEDERAL
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    unit_cells = [row[header.index("unit")].value for row in sheet.iter_rows(min_row=2)]
    assert "'" + INJECTIONS[0] in unit_cells


async def test_survey_export_escapes_formula_comments(clients: dict[str, httpx.AsyncClient]) -> None:
    survey = clients["survey-api"]
    items = [
        {"id": str(uuid.uuid4()), "submitted_at": "2025-05-10T09:00:00+03:00",
         "answers": {**ANSWERS, "comment": text}}
        for text in INJECTIONS
    ]  # fmt: skip
    batch = await survey.post("/v1/responses/batch", json={"responses": items}, headers=KIOSK)
    assert batch.status_code == 200, batch.text
    assert {r["status"] for r in batch.json()["results"]} == {"accepted"}, batch.text
    params = {"campaign": "sec-2025", "period": "2025Q2", "dialect": "plain"}
    response = await survey.get("/v1/exports/responses", params={**params, "format": "csv"}, headers=FEDERAL)
    assert response.status_code == 200, response.text
    comments = sorted(r["comment"] for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert comments == sorted("'" + text for text in INJECTIONS)

    response = await survey.get("/v1/exports/responses", params={**params, "format": "xlsx"}, headers=FEDERAL)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    cells = [row[header.index("comment")] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type != "f" for cell in cells)
    assert sorted(str(cell.value) for cell in cells) == sorted("'" + text for text in INJECTIONS)


async def test_services_still_answer_after_all_of_it(clients: dict[str, httpx.AsyncClient]) -> None:
    for client in clients.values():
        await _still_answering(client)
    response = await clients["kpi-api"].get("/v1/org-units", headers=FEDERAL)
    assert response.status_code == 200
    assert {u["code"] for u in response.json()["items"]} >= {"RU", "RU-MUR"}


# --- slow clients against a real uvicorn process -------------------------------------------------

BODY_READ_TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def kpi_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """kpi-api under uvicorn on a free port with a migrated SQLite (or PostgreSQL) database and a short
    body-read deadline."""
    from stack import ServiceProcess, free_port  # tests/e2e (on the pytest pythonpath)

    spec = SERVICES["kpi-api"]
    database = ThrowawayDatabase("sec-slow-kpi", spec.migrations_dir)
    url = database.create()
    service = ServiceProcess("kpi-api", "kpi_api", "KPI", free_port(), url, tmp_path_factory.mktemp("slow") / "kpi.log")
    env = {
        **os.environ,
        "ZDRAV_JWT_SECRET": TEST_JWT_SECRET,
        "KPI_DATABASE_URL": url,
        "KPI_BODY_READ_TIMEOUT_S": str(BODY_READ_TIMEOUT_S),
        "KPI_SOURCE_REFRESH_INTERVAL_S": "0",
        "KPI_LOG_LEVEL": "WARNING",
    }
    try:
        service.start(env)
        service.wait_ready()
        yield service.url
    finally:
        service.stop()
        database.drop()


def _slow_client(base: str, path: str, declared: int, interval_s: float, give_up_s: float) -> tuple[bytes, float, bool]:
    """Send the headers, then one body byte per ``interval_s`` until the server answers or closes;
    return what it sent, when, and whether the connection was reset.

    A reset is the server closing while our last dribbled bytes were still unread: the kernel then
    answers with RST, which may arrive before (and discard) the 408 the server had sent."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=give_up_s) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: {FEDERAL['Authorization']}\r\nContent-Length: {declared}\r\n\r\n"
        )
        sock.sendall(head.encode())
        answer = b""
        reset = False
        while time.monotonic() - started < give_up_s:
            readable, _, _ = select.select([sock], [], [], interval_s)
            if readable:
                try:
                    chunk = sock.recv(65_536)
                except ConnectionResetError:
                    reset = True
                    break
                if not chunk:  # closed
                    break
                answer += chunk
                continue
            try:
                sock.sendall(b" ")
            except OSError:  # the server closed its side
                reset = True
                break
        return answer, time.monotonic() - started, reset


def _timed_get(url: str, headers: dict[str, str]) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
        assert response.status == 200
    return time.monotonic() - started


def test_slow_loris_bodies_end_in_408_while_others_are_served(kpi_process: str) -> None:
    slow_clients = 12
    with ThreadPoolExecutor(max_workers=slow_clients) as pool:
        dribbling = [
            pool.submit(_slow_client, kpi_process, "/v1/org-units", 100_000, 0.25, 15.0) for _ in range(slow_clients)
        ]
        time.sleep(0.5)
        # Meanwhile every other request is answered promptly.
        latencies = []
        for _ in range(10):
            latencies.append(_timed_get(kpi_process + "/healthz", {}))
            latencies.append(_timed_get(kpi_process + "/v1/org-units", FEDERAL))
            time.sleep(0.05)
        assert max(latencies) < 1.0, latencies
        answered = 0
        for future in dribbling:
            answer, elapsed, reset = future.result()
            # Ended by the server after the deadline, not by the client giving up: with a 408 problem,
            # or with a reset that swallowed it (see _slow_client).
            assert BODY_READ_TIMEOUT_S <= elapsed < BODY_READ_TIMEOUT_S + 5.0, elapsed
            if reset and not answer:
                continue
            assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
            assert b"application/problem+json" in answer
            answered += 1
        assert answered >= 1, "no slow client saw the 408 problem"
    # And it is still answering afterwards.
    assert _timed_get(kpi_process + "/readyz", {}) < 1.0


def test_a_body_that_arrives_in_time_is_served(kpi_process: str) -> None:
    body = json.dumps({"code": "RU", "name_ru": "РФ", "level": "federation"}).encode()
    host, port = kpi_process.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (
            f"POST /v1/org-units HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: {FEDERAL['Authorization']}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode())
        for start in range(0, len(body), 16):  # in pieces, within the deadline
            sock.sendall(body[start : start + 16])
            time.sleep(0.05)
        answer = b""
        while chunk := sock.recv(65_536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
