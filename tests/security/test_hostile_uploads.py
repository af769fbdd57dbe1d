"""Spreadsheets built to hurt the server, sent to every upload endpoint of every service (the operations
whose committed OpenAPI request body is multipart): a declared dimension of 8 000 × 16 384 over two cells,
a cell far to the right, a zip that inflates to hundreds of megabytes, and XML entity declarations (billion
laughs, an external entity). Each is a 413/422 problem, never a 500, and the dimension bomb leaves the
process's peak memory within 100 MB of where it was (measured in a fresh process by its VmHWM)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from inprocess import service_clients, throwaway_databases
from support import ROOT, SERVICES, caller_headers, is_problem

from zdrav_shared.testing import ThrowawayDatabase

FEDERAL = caller_headers("federal")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_RSS_GROWTH_KB = 100 * 1024

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def upload_operations() -> list[tuple[str, str]]:
    """(service, path) of every operation that takes a multipart upload, from the committed documents."""
    found = []
    for name, spec in SERVICES.items():
        for path, item in spec.openapi()["paths"].items():
            for operation in item.values():
                content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
                if "multipart/form-data" in content:
                    found.append((name, path))
    return sorted(found)


UPLOADS = upload_operations()


def workbook(sheet_xml: str, prolog: str = "", shared_strings: str | None = None) -> bytes:
    """A minimal valid XLSX package around ``sheet_xml`` (the worksheet's children); ``prolog`` goes
    between the XML declaration and the worksheet element (a DOCTYPE, for instance)."""
    overrides = (
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f"{overrides}</Types>"
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
        "xl/worksheets/sheet1.xml": f'{prolog}<worksheet xmlns="{_MAIN}">{sheet_xml}</worksheet>',
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + xml)
    return buffer.getvalue()


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def dimension_bomb() -> bytes:
    """The probe's file: two cells under a dimension of 8 000 rows × 16 384 columns (A1:XFD8000)."""
    return workbook(f'<dimension ref="A1:XFD8000"/><sheetData><row r="1">{_inline("A1", "x")}</row>'
                    f'<row r="8000">{_inline("XFD8000", "y")}</row></sheetData>')  # fmt: skip


def far_cell_rows() -> bytes:
    """No dimension at all, and 5 000 rows each with one cell in the last column (XFD)."""
    rows = "".join(f'<row r="{i}"><c r="XFD{i}"><v>1</v></c></row>' for i in range(1, 5001))
    return workbook(f"<sheetData>{rows}</sheetData>")


def inflating_zip() -> bytes:
    """A valid small sheet beside a 300 MB part of zeros (about 300 KB compressed)."""
    base = workbook(f'<sheetData><row r="1">{_inline("A1", "code")}</row></sheetData>')
    buffer = io.BytesIO(base)
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/filler.bin", "w", force_zip64=True) as part,
    ):
        for _ in range(300):
            part.write(b"\0" * (1024 * 1024))
    return buffer.getvalue()


LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)
EXTERNAL = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def entity_bombs() -> list[pytest.param]:  # type: ignore[valid-type]
    cell_lol = '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
    cell_xxe = '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>'
    strings_xxe = (
        f'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]><sst xmlns="{_MAIN}" count="1" '
        'uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    cell_shared = '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    return [
        pytest.param(workbook(cell_lol, prolog=LAUGHS), id="billion-laughs-in-sheet"),
        pytest.param(workbook(cell_xxe, prolog=EXTERNAL), id="external-entity-in-sheet"),
        pytest.param(workbook(cell_shared, shared_strings=strings_xxe), id="external-entity-in-shared-strings"),
        pytest.param(workbook(cell_lol.replace("&lol9;", "x"), prolog=LAUGHS.lower()), id="lower-case-doctype"),
    ]


@pytest.fixture(scope="module")
def database_urls() -> Iterator[dict[str, str]]:
    with throwaway_databases("sec-uploads", sorted({service for service, _ in UPLOADS})) as urls:
        yield urls


@pytest.fixture(scope="module")
async def clients(database_urls: dict[str, str]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with service_clients(database_urls) as opened:
        yield opened


def test_the_upload_endpoints_are_found() -> None:
    """The list below is read from the documents; kpi-api's three imports must be among them."""
    assert {("kpi-api", "/v1/values/import"), ("kpi-api", "/v1/indicators/import")} <= set(UPLOADS)
    assert ("kpi-api", "/v1/org-units/import") in UPLOADS


def test_the_probe_file_is_small() -> None:
    assert len(dimension_bomb()) < 1_600


async def _post(clients: dict[str, httpx.AsyncClient], service: str, path: str, content: bytes) -> httpx.Response:
    return await clients[service].post(
        path, params={"dry_run": "true"}, files={"file": ("hostile.xlsx", content, XLSX)}, headers=FEDERAL
    )


def _assert_problem(response: httpx.Response, *statuses: int) -> dict[str, object]:
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert is_problem(response), response.headers
    body: dict[str, object] = response.json()
    assert body["status"] == response.status_code and body.get("detail")
    return body


@pytest.mark.parametrize(("service", "path"), UPLOADS)
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(dimension_bomb(), id="dimension-A1:XFD8000"),
        pytest.param(far_cell_rows(), id="cells-in-column-XFD"),
        pytest.param(inflating_zip(), id="zip-inflating-to-300MB"),
    ],
)
async def test_oversized_sheets_are_413_or_422(
    clients: dict[str, httpx.AsyncClient], service: str, path: str, content: bytes
) -> None:
    _assert_problem(await _post(clients, service, path, content), 413, 422)


@pytest.mark.parametrize(("service", "path"), UPLOADS)
@pytest.mark.parametrize("content", entity_bombs())
async def test_entity_declarations_are_422(
    clients: dict[str, httpx.AsyncClient], service: str, path: str, content: bytes
) -> None:
    body = _assert_problem(await _post(clients, service, path, content), 422)
    assert "root:" not in json.dumps(body)  # nothing of /etc/passwd comes back


async def test_the_dimension_bomb_names_what_is_wrong(clients: dict[str, httpx.AsyncClient]) -> None:
    body = _assert_problem(await _post(clients, "kpi-api", "/v1/values/import", dimension_bomb()), 413)
    assert "16384 columns" in str(body["detail"])


async def test_a_plain_workbook_still_imports(clients: dict[str, httpx.AsyncClient]) -> None:
    """The checks refuse the hostile, not the ordinary: a header row and one row of an indicator that does
    not exist give the importer's own row error, under a dimension that says the truth."""
    columns = ["indicator_code", "org_unit_code", "period", "value"]
    header = "".join(_inline(f"{c}1", t) for c, t in zip("ABCD", columns, strict=True))
    row = "".join(_inline(f"{c}2", t) for c, t in zip("ABCD", ["NOPE", "RU", "2025Q2", "1"], strict=True))
    sheet = f'<dimension ref="A1:D2"/><sheetData><row r="1">{header}</row><row r="2">{row}</row></sheetData>'
    content = workbook(sheet)
    body = _assert_problem(await _post(clients, "kpi-api", "/v1/values/import", content), 422)
    assert any(str(e["pointer"]).startswith("/rows/") for e in body["errors"])  # type: ignore[union-attr]


# --- peak memory, in a fresh process -----------------------------------------------------------------

_MEASURE = textwrap.dedent(
    """
    import asyncio, json, resource, sys

    import httpx
    from asgi_lifespan import LifespanManager

    sys.path.insert(0, sys.argv[1])
    from support import SERVICES, caller_headers, kpi_mock

    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


    def status(key):
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(key + ":"))


    async def main():
        spec = SERVICES["kpi-api"]
        payload = json.loads(sys.stdin.read())
        app = spec.create_app(spec.settings(payload["url"]))
        headers = caller_headers("federal")
        with kpi_mock():
            async with LifespanManager(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://kpi") as client:
                    async def post(path, content):
                        files = {"file": ("f.xlsx", content, XLSX)}
                        return await client.post(path, params={"dry_run": "true"}, files=files, headers=headers)

                    small = bytes.fromhex(payload["small"])
                    for path in payload["paths"]:  # warm up: every import path, openpyxl included
                        await post(path, small)
                    before = status("VmHWM")
                    # A guard for this machine, not the measure: a regression fails here instead of swapping.
                    limit = (status("VmSize") + 1024 * 1024) * 1024
                    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
                    statuses = []
                    for path in payload["paths"]:
                        response = await post(path, bytes.fromhex(payload["bomb"]))
                        statuses.append(response.status_code)
                    after = status("VmHWM")
        print(json.dumps({"before_kb": before, "after_kb": after, "statuses": statuses}))


    asyncio.run(main())
    """
)


@pytest.fixture(scope="module")
def kpi_database() -> Iterator[str]:
    database = ThrowawayDatabase("sec-uploads-rss", SERVICES["kpi-api"].migrations_dir)
    try:
        yield database.create()
    finally:
        database.drop()


def test_the_dimension_bomb_leaves_peak_memory_bounded(kpi_database: str) -> None:
    paths = [path for service, path in UPLOADS if service == "kpi-api"]
    small = workbook(f'<dimension ref="A1:A1"/><sheetData><row r="1">{_inline("A1", "code")}</row></sheetData>')
    payload = {"url": kpi_database, "paths": paths, "small": small.hex(), "bomb": dimension_bomb().hex()}
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(ROOT / "tests" / "security")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "KPI_LOG_LEVEL": "WARNING"},
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert all(status in {413, 422} for status in measured["statuses"]), measured
    growth = measured["after_kb"] - measured["before_kb"]
    assert growth < MAX_RSS_GROWTH_KB, f"peak RSS grew by {growth} kB: {measured}"
