"""`make fuzz`: schemathesis over the three committed OpenAPI documents against the running services.

The three services start as real uvicorn processes on PostgreSQL (tests/e2e/stack.py: one migrated
database each, the peers' URLs wired), get a few org units so that the peers' look-ups find
something, and then schemathesis' CLI runs every operation of each document with bounded examples as
a federal caller, checking `not_a_server_error` (no 5xx for any input) and
`response_schema_conformance` (every answer matches its declared schema). Any failure fails the run;
the reports (JUnit) are kept under var/fuzz/. FUZZ_MAX_EXAMPLES and FUZZ_SEED override the bounds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from stack import Stack  # noqa: E402

from zdrav_shared.testing import auth  # noqa: E402

FEDERAL = auth(["federal"], ["RU"], sub="fuzz-federal")
CHECKS = "not_a_server_error,response_schema_conformance"
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "6")
SEED = os.environ.get("FUZZ_SEED", "13")
DOCUMENTS = {"kpi": "kpi-api", "survey": "survey-api", "roadmap": "roadmap-api"}
UNITS = [
    {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
    {"code": "RU-MUR", "name_ru": "Мурманская область", "level": "region", "parent_code": "RU",
     "timezone": "Europe/Moscow"},
    {"code": "MUR-GP1", "name_ru": "Городская поликлиника № 1", "level": "organisation", "parent_code": "RU-MUR"},
]  # fmt: skip


def seed(stack: Stack) -> None:
    kpi = stack.services["kpi"].url
    for unit in UNITS:
        response = httpx.post(f"{kpi}/v1/org-units", json=unit, headers=FEDERAL, timeout=10)
        assert response.status_code == 201, response.text


def fuzz(name: str, url: str, reports: Path) -> int:
    """One document against one service; the exit code of schemathesis."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(ROOT / "openapi" / f"{name}.json"),
        "--url", url,
        "--checks", CHECKS,
        "--phases", "examples,fuzzing",
        "--max-examples", MAX_EXAMPLES,
        "--seed", SEED,
        "--no-shrink",
        "--workers", "2",
        "--request-timeout", "20",
        "--suppress-health-check", "all",
        "--warnings", "off",
        "--header", f"Authorization:{FEDERAL['Authorization']}",
        "--report", "junit",
        "--report-junit-path", str(reports / f"{name}.xml"),
    ]  # fmt: skip
    started = time.monotonic()
    code = subprocess.call(command, cwd=reports)  # schemathesis keeps its own state in .schemathesis there
    print(f"· {name}: schemathesis exited {code} after {time.monotonic() - started:.0f} s", flush=True)
    return code


def main() -> int:
    reports = ROOT / "var" / "fuzz"
    reports.mkdir(parents=True, exist_ok=True)
    for old in reports.glob("*.log"):
        old.unlink()
    stack = Stack(reports)  # the services' logs stay in var/fuzz/<service>.log
    stack.extra_env.update(
        {
            "KPI_SOURCE_REFRESH_INTERVAL_S": "0",
            "SURVEY_MAX_OFFLINE_AGE_DAYS": "3650",
            # The detractor receiver switched on as deployed: without a secret it answers 503 by design,
            # which the server-error check would count; with one, unsigned probes get its 401.
            "ROADMAP_DETRACTOR_WEBHOOK_SECRET": "fuzz-detractor-webhook-secret-0123456789",
        }
    )
    stack.create()
    try:
        stack.start()
        seed(stack)
        failed = [name for key, name in DOCUMENTS.items() if fuzz(name, stack.services[key].url, reports) != 0]
    finally:
        stack.drop()
    for service in stack.services.values():
        if '"level": "error"' in service.log_path.read_text(errors="replace"):
            print(f"· {service.name} logged an error: see {service.log_path}", file=sys.stderr)
            failed.append(f"{service.name} (its log)")
    if failed:
        print(f"make fuzz: failures in {', '.join(failed)}", file=sys.stderr)
        return 1
    print("make fuzz: no server errors and every answer matches its schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
