"""Every line a service process writes is one JSON object — uvicorn's own start-up, access and shutdown
lines and httpx's ``HTTP Request: …`` lines included — and lines written while serving a request carry its
request id. kpi-api and survey-api run as real uvicorn processes (access log on, as uvicorn starts by
default) on SQLite files; survey-api calls kpi-api for org units, so httpx logs inside a request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from stack import ROOT, free_port

from zdrav_shared.http_protocol import UVICORN_HTTP
from zdrav_shared.migrations import upgrade
from zdrav_shared.testing import TEST_JWT_SECRET, auth

pytestmark = pytest.mark.e2e

FEDERAL = auth(["federal"], ["RU"])


@dataclass
class Running:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def lines(self) -> list[str]:
        return [
            line
            for path in (self.stdout, self.stderr)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]


def _start(name: str, package: str, port: int, env: dict[str, str], workdir: Path) -> Running:
    stdout, stderr = workdir / f"{name}.out", workdir / f"{name}.err"
    command = [sys.executable, "-m", "uvicorn", f"{package}.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--http", UVICORN_HTTP]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=stdout.open("wb"), stderr=stderr.open("wb"))
    return Running(name, f"http://127.0.0.1:{port}", process, stdout, stderr)


def _wait_ready(service: Running, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited: {service.lines()[-20:]}")
        try:
            if httpx.get(service.url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{service.name} not ready: {service.lines()[-20:]}")


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Running]]:
    import importlib

    workdir = Path(tmp_path_factory.mktemp("json-logs"))
    ports = {"kpi": free_port(), "survey": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZDRAV_", "KPI_", "SURVEY_"))}
    env.update(
        ZDRAV_JWT_SECRET=TEST_JWT_SECRET,
        ZDRAV_KPI_URL=f"http://127.0.0.1:{ports['kpi']}",
        ZDRAV_SURVEY_URL=f"http://127.0.0.1:{ports['survey']}",
        ZDRAV_ROADMAP_URL=f"http://127.0.0.1:{free_port()}",  # nobody there: pulls fail and say so
        KPI_SOURCE_REFRESH_INTERVAL_S="0",
        PYTHONWARNINGS="default",  # warnings are printed too: through logging, as JSON
    )
    running: dict[str, Running] = {}
    try:
        for key, package in (("kpi", "kpi_api"), ("survey", "survey_api")):
            url = f"sqlite+aiosqlite:///{workdir / key}.db"
            upgrade(url, importlib.import_module(f"{package}.app").MIGRATIONS_DIR)
            env[f"{key.upper()}_DATABASE_URL"] = url
        for key, package in (("kpi", "kpi_api"), ("survey", "survey_api")):
            running[key] = _start(f"{key}-api", package, ports[key], env, workdir)
        for service in running.values():
            _wait_ready(service)
        yield running
    finally:
        for service in running.values():
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        for service in running.values():
            try:
                service.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.process.kill()


def _parsed(service: Running) -> list[dict[str, Any]]:
    parsed = []
    for line in service.lines():
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"{service.name} wrote a line that is not JSON: {line!r}")
        assert isinstance(value, dict), line
        parsed.append(value)
    return parsed


def test_every_line_of_both_processes_is_json_with_request_ids(services: dict[str, Running]) -> None:
    kpi, survey = services["kpi"].url, services["survey"].url
    units = [
        {"code": "RU", "name_ru": "РФ", "level": "federation"},
        {
            "code": "RU-MUR",
            "name_ru": "Мурманская",
            "level": "region",
            "parent_code": "RU",
            "timezone": "Europe/Moscow",
        },
        {"code": "MUR-GP1", "name_ru": "Поликлиника 1", "level": "organisation", "parent_code": "RU-MUR"},
    ]
    for unit in units:
        assert httpx.post(f"{kpi}/v1/org-units", json=unit, headers=FEDERAL, timeout=10).status_code == 201
    campaign = {"code": "logs-mur", "questionnaire_code": "nsi-standard", "org_unit_codes": ["MUR-GP1"],
                "starts_on": "2025-01-01", "ends_on": "2025-12-31", "channels": ["kiosk"]}  # fmt: skip
    created = httpx.post(
        f"{survey}/v1/campaigns", json=campaign, headers={**FEDERAL, "X-Request-ID": "logs-campaign-1"}, timeout=10
    )
    assert created.status_code == 201, created.text
    assert httpx.get(f"{kpi}/v1/indicators/NOPE", headers=FEDERAL, timeout=5).status_code == 404
    assert httpx.get(f"{kpi}/docs", timeout=5).status_code == 200
    assert httpx.get(f"{survey}/v1/campaigns", timeout=5).status_code == 401
    for service in services.values():  # shutting down logs too
        service.process.send_signal(signal.SIGTERM)
        service.process.wait(timeout=20)

    kpi_lines, survey_lines = _parsed(services["kpi"]), _parsed(services["survey"])
    for name, lines in (("kpi-api", kpi_lines), ("survey-api", survey_lines)):
        assert lines, f"{name} wrote nothing"
        assert all(line["service"] == name and "timestamp" in line and "level" in line for line in lines)
        events = [line["event"] for line in lines]
        # uvicorn's own lines, before and after the app's
        assert any(str(e).startswith("Started server process") for e in events), events
        assert "Application startup complete." in events and "service_started" in events
        assert any(str(e).startswith("Finished server process") for e in events), events[-5:]
        assert all(line.get("logger") == "uvicorn.error" for line in lines if str(line["event"]).startswith("Uvicorn"))

    # uvicorn's access lines: structured, inside the request (its id), without the client's address
    served = [line for line in kpi_lines if line["event"] == "request_served"]
    assert {(line["method"], line["path"], line["status"]) for line in served} >= {
        ("POST", "/v1/org-units", 201),
        ("GET", "/v1/indicators/NOPE", 404),
        ("GET", "/docs", 200),
    }
    assert all(line.get("request_id") for line in served)
    assert not any("127.0.0.1:" in json.dumps(line) for line in served)

    # httpx's lines in survey-api, while it served the campaign, carry that request's id
    outgoing = [line for line in survey_lines if str(line["event"]).startswith("HTTP Request:")]
    assert outgoing, "survey-api asked kpi-api for the org unit"
    assert any(line.get("request_id") == "logs-campaign-1" and "/v1/org-units/MUR-GP1" in line["event"]
               for line in outgoing), outgoing  # fmt: skip
    # …and kpi-api answered that call under the same request id (forwarded by the client)
    assert any(line.get("request_id") == "logs-campaign-1" for line in kpi_lines if line["event"] == "request_served")


def test_console_format_is_only_for_people(monkeypatch: pytest.MonkeyPatch) -> None:
    """ZDRAV_LOG_FORMAT=console renders for a terminal; nothing else changes the format."""
    code = (
        "import logging; from zdrav_shared.logging import configure_logging; "
        "configure_logging('kpi-api', json=False); logging.getLogger('uvicorn.error').info('Started')"
    )
    env = {**os.environ, "ZDRAV_LOG_FORMAT": "console"}
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert "Started" in plain.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(plain.stdout.splitlines()[0])
    from kpi_api.settings import KpiSettings

    monkeypatch.delenv("ZDRAV_LOG_FORMAT", raising=False)
    assert KpiSettings().log_format == "json"
    monkeypatch.setenv("ZDRAV_LOG_FORMAT", "console")
    assert KpiSettings().log_format == "console"


@pytest.mark.parametrize("reachable", [True, False])
def test_the_migration_step_logs_json_lines_too(tmp_path: Path, reachable: bool) -> None:
    """`alembic upgrade head` is the compose migration step and the Kubernetes Job: its lines (and a crash,
    such as a database it cannot reach) are JSON as well."""
    url = f"sqlite+aiosqlite:///{tmp_path}/kpi.db" if reachable else "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZDRAV_", "KPI_"))}
    env["KPI_DATABASE_URL"] = url
    command = [sys.executable, "-m", "alembic", "-c", "services/kpi-api/alembic.ini", "upgrade", "head"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    lines = [json.loads(line) for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines and all(line["service"] == "kpi-api" for line in lines)
    if reachable:
        assert result.returncode == 0
        assert any(str(line["event"]).startswith("Running upgrade") for line in lines)
    else:
        assert result.returncode == 1
        (crash,) = [line for line in lines if line["event"] == "process_crashed"]
        assert crash["level"] == "critical" and "Traceback" in crash["exception"]
