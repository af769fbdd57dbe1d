"""What the security suites share: the three services, their settings for a throwaway database, the
callers of the authorisation matrix, the org units kpi-api is mocked with for survey-api and
roadmap-api, and the contract fuzzer (schemathesis in-process over ASGI)."""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import respx
from fastapi import FastAPI

from zdrav_shared.auth import issue_token
from zdrav_shared.testing import TEST_JWT_SECRET, token

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_DIR = ROOT / "openapi"
KPI_URL = "http://kpi-api.security.test"
SURVEY_URL = "http://survey-api.security.test"
ROADMAP_URL = "http://roadmap-api.security.test"


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # kpi-api
    package: str  # kpi_api
    settings_class: str  # KpiSettings
    overrides: tuple[tuple[str, Any], ...] = ()

    def module(self, suffix: str) -> Any:
        return importlib.import_module(f"{self.package}.{suffix}")

    @property
    def migrations_dir(self) -> Path:
        return Path(self.module("app").MIGRATIONS_DIR)

    @property
    def metadata(self) -> Any:
        return self.module("models").Base.metadata

    def settings(self, database_url: str, **extra: Any) -> Any:
        cls = getattr(self.module("settings"), self.settings_class)
        values: dict[str, Any] = {
            "database_url": database_url,
            "jwt_secret": TEST_JWT_SECRET,
            "log_json": True,
            "log_level": "WARNING",
            "max_body_bytes": 65_536,
            "kpi_url": KPI_URL,
            "survey_url": SURVEY_URL,
            "roadmap_url": ROADMAP_URL,
            **dict(self.overrides),
            **extra,
        }
        # Only the fields this version of the service knows (background peer pulls off where present).
        known = set(cls.model_fields)
        if "source_refresh_interval_s" in known:
            values.setdefault("source_refresh_interval_s", 0)
        if "webhook_interval_s" in known:
            values.setdefault("webhook_interval_s", 0)  # no delivery worker: the suites call the API only
        return cls(**{k: v for k, v in values.items() if k in known})

    def create_app(self, settings: Any) -> FastAPI:
        app: FastAPI = self.module("app").create_app(settings)
        return app

    def openapi(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((OPENAPI_DIR / f"{self.name}.json").read_text(encoding="utf-8"))
        return document


SERVICES = {
    "kpi-api": ServiceSpec("kpi-api", "kpi_api", "KpiSettings"),
    "survey-api": ServiceSpec("survey-api", "survey_api", "SurveySettings", (("max_offline_age_days", 3650),)),
    # The detractor receiver is on (a secret set): without one it answers 503 to everybody.
    "roadmap-api": ServiceSpec(
        "roadmap-api",
        "roadmap_api",
        "RoadmapSettings",
        (("detractor_webhook_secret", "sec-detractor-secret-0123456789"),),
    ),
}


def operations(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(operationId, METHOD, path) of every operation of an OpenAPI document."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                found.append((operation["operationId"], method.upper(), path))
    return sorted(found)


# --- callers --------------------------------------------------------------------------------------

OWN, OTHER = "RU-MUR", "RU-KYA"


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def caller_headers(caller: str, kiosk_token: str | None = None) -> dict[str, str]:
    """Headers of one matrix column. Regional roles are scoped to RU-MUR; federal to RU."""
    if caller == "federal":
        return bearer(token(["federal"], ["RU"], sub="sec-federal"))
    if caller in {"regional_admin", "mo_operator", "analyst"}:
        return bearer(token([caller], [OWN], sub=f"sec-{caller}"))
    if caller == "kiosk":
        assert kiosk_token is not None
        return bearer(kiosk_token)
    if caller == "none":
        return {}
    if caller == "expired":
        return bearer(issue_token(TEST_JWT_SECRET, "sec-expired", ["federal"], ["RU"], ttl_s=-3600))
    if caller == "foreign_key":
        return bearer(issue_token("another-secret-of-another-issuer-0123456789", "sec-forged", ["federal"], ["RU"]))
    raise ValueError(caller)


# --- kpi-api as the peers see it -----------------------------------------------------------------

_UNITS: list[tuple[str, str, list[str]]] = [
    ("RU", "federation", ["RU"]),
    ("RU-MUR", "region", ["RU", "RU-MUR"]),
    ("RU-KYA", "region", ["RU", "RU-KYA"]),
    ("RU-MUR-MUR", "municipality", ["RU", "RU-MUR", "RU-MUR-MUR"]),
    ("RU-KYA-KRS", "municipality", ["RU", "RU-KYA", "RU-KYA-KRS"]),
    ("MUR-GP1", "organisation", ["RU", "RU-MUR", "RU-MUR-MUR", "MUR-GP1"]),
    ("KYA-GP1", "organisation", ["RU", "RU-KYA", "RU-KYA-KRS", "KYA-GP1"]),
]
ZONES = {"RU-MUR": "Europe/Moscow", "RU-KYA": "Asia/Krasnoyarsk"}
ORG_UNITS: dict[str, dict[str, Any]] = {
    code: {
        "code": code,
        "name_ru": code,
        "level": level,
        "parent_code": path[-2] if len(path) > 1 else None,
        "path": path,
        "region_code": path[1] if len(path) > 1 else None,
        "timezone": ZONES.get(path[1]) if len(path) > 1 else None,
    }
    for code, level, path in _UNITS
}


@contextmanager
def kpi_mock() -> Iterator[respx.MockRouter]:
    """The peers as respx mocks: kpi-api's GET /v1/org-units/{code} over the units above (404 for any
    other code) — the way the services' own suites mock it; every other call to any peer is a 503, so
    that kpi-api's report sees its peers down. Nothing leaves the process."""
    with respx.mock(assert_all_called=False) as mock:

        def answer(request: httpx.Request, code: str) -> httpx.Response:
            unit = ORG_UNITS.get(code)
            return httpx.Response(200, json=unit) if unit else httpx.Response(404, json={"status": 404})

        mock.get(url__regex=rf"^{KPI_URL}/v1/org-units/(?P<code>[^/?]+)$").mock(side_effect=answer)
        mock.route().mock(return_value=httpx.Response(503, json={"status": 503}))
        yield mock


def is_problem(response: httpx.Response | Any) -> bool:
    value = response.headers.get("content-type", "")
    if isinstance(value, list):  # schemathesis' response keeps every header as a list
        value = value[0] if value else ""
    return str(value).split(";")[0].strip() == "application/problem+json"


Seeder = Callable[[Any], None]


# --- contract fuzzing ----------------------------------------------------------------------------

FUZZ_CALLERS = ("federal", "regional_admin", "anonymous")
# Enough to reach every branch of parameter validation of an operation, few enough that the three
# services × three callers × two generation modes stay within about a minute per leg.
FUZZ_EXAMPLES = {"federal": 10, "regional_admin": 6, "anonymous": 3}


def fuzz_headers(caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    return caller_headers(caller)


def fuzz_operation(schema: Any, app: FastAPI, operation_id: str, caller: str) -> list[str]:
    """Run schemathesis' generated cases (schema-valid and schema-invalid) of one operation against the
    app in-process; return every failure. Checks: no 5xx, the status code is declared, the content type
    is declared, the body matches its declared schema, every 4xx is problem+json, and an anonymous
    caller never gets a 2xx."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    found = (result.ok() for result in schema.get_all_operations())
    operation = next(op for op in found if op.definition.raw["operationId"] == operation_id)
    headers = fuzz_headers(caller)
    failures: dict[str, str] = {}

    def record(key: str, message: str) -> None:
        failures.setdefault(key, message[:3000])

    def run_mode(mode: GenerationMode) -> None:
        @settings(
            max_examples=FUZZ_EXAMPLES[caller],
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failure as found
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            try:
                response = case.call_and_validate(app=app, headers=headers, checks=checks)
            except (Exception, BaseExceptionGroup) as exc:  # a check failed (FailureGroup) or the app raised
                record(f"{mode.value}:{type(exc).__name__}", f"{exc}")
                return
            status = response.status_code
            if 400 <= status < 500 and not is_problem(response):
                record(f"{mode.value}:not-problem", f"{status} {response.headers} {response.content[:300]!r}")
            if caller == "anonymous" and status < 300:
                record(f"{mode.value}:anonymous-success", f"{status} {case.as_curl_command()}")

        # Negative mode cannot break an operation whose only inputs are free strings (a path code).
        with contextlib.suppress(Unsatisfiable):
            run()

    run_mode(GenerationMode.POSITIVE)
    run_mode(GenerationMode.NEGATIVE)
    return [f"[{key}] {message}" for key, message in failures.items()]


@contextmanager
def fuzz_target(spec: ServiceSpec, seed: Seeder | None = None) -> Iterator[tuple[Any, FastAPI]]:
    """The committed OpenAPI document of a service (as schemathesis schema) and the app on a migrated
    throwaway database. schemathesis runs the app's lifespan on its own event-loop thread; kpi-api is
    mocked for the peers. ``seed`` gets a requests-like client over the same app."""
    import schemathesis
    from schemathesis.python import asgi

    from zdrav_shared.testing import ThrowawayDatabase

    database = ThrowawayDatabase(f"sec-{spec.name}", spec.migrations_dir)
    url = database.create()
    try:
        with kpi_mock():
            app = spec.create_app(spec.settings(url))
            schema = schemathesis.openapi.from_dict(spec.openapi())
            try:
                if seed is not None:
                    with asgi.get_client(app) as client:
                        seed(client)
                yield schema, app
            finally:
                asgi.shutdown_lifespans()
    finally:
        database.drop()
