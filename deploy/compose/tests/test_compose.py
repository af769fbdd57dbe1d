"""Structural checks on docker-compose.yml, which cannot be run here (no Docker engine in CI).

They pin what the README promises: PostgreSQL with a database per service, a one-shot migration per
service that must succeed before the service starts, PgBouncer in front of PostgreSQL, the peer URLs
and the host ports.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
SERVICES = {"kpi": 8001, "survey": 8002, "roadmap": 8003}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    # Interpolate ${VAR:-default} with the defaults, as compose does with an empty environment.
    text = re.sub(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}", lambda m: m.group(2) or "", text)
    data: dict[str, Any] = yaml.safe_load(text)  # also resolves the anchors and << merges
    return data


def test_postgres_creates_a_database_per_service(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert postgres["healthcheck"]["test"]
    (init_mount,) = [v for v in postgres["volumes"] if v.endswith(":/docker-entrypoint-initdb.d:ro")]
    init_dir = ROOT / init_mount.split(":")[0]
    sql = " ".join(p.read_text(encoding="utf-8") for p in sorted(init_dir.glob("*.sql")))
    for service in SERVICES:
        assert f"CREATE DATABASE {service};" in sql


@pytest.mark.parametrize("service", SERVICES)
def test_migration_is_a_one_shot_gate(compose: dict[str, Any], service: str) -> None:
    services = compose["services"]
    migrate, api = services[f"{service}-migrate"], services[f"{service}-api"]
    alembic_ini = f"/app/services/{service}-api/alembic.ini"
    assert migrate["command"] == ["alembic", "-c", alembic_ini, "upgrade", "head"]
    assert (ROOT / alembic_ini.removeprefix("/app/")).is_file()
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert api["depends_on"][f"{service}-migrate"]["condition"] == "service_completed_successfully"
    assert migrate["image"] == api["image"], "migrate with the image that will serve"
    assert migrate["build"]["dockerfile"] == api["build"]["dockerfile"] == f"services/{service}-api/Dockerfile"
    assert (ROOT / api["build"]["dockerfile"]).is_file()
    url_var = f"{service.upper()}_DATABASE_URL"
    assert migrate["environment"][url_var] == api["environment"][url_var]
    assert api["environment"][url_var].startswith("postgresql+asyncpg://")
    # Through PgBouncer (transaction mode), which the service is told about.
    assert api["environment"][url_var].endswith(f"@pgbouncer:6432/{service}")
    assert api["environment"][f"{service.upper()}_DATABASE_PGBOUNCER"] == "true"
    assert api["depends_on"]["pgbouncer"]["condition"] == "service_started"


@pytest.mark.parametrize(("service", "port"), SERVICES.items())
def test_service_wiring(compose: dict[str, Any], service: str, port: int) -> None:
    api = compose["services"][f"{service}-api"]
    env = api["environment"]
    assert env["ZDRAV_JWT_SECRET"], "a dev default must be set"
    for peer in SERVICES:
        assert env[f"ZDRAV_{peer.upper()}_URL"] == f"http://{peer}-api:8000"
    assert api["ports"] == [f"{port}:8000"]  # with the environment's {SERVICE}_PORT unset
    assert api["read_only"] is True and api["tmpfs"] == ["/tmp"]
    assert api["cap_drop"] == ["ALL"]


def test_jwt_secret_comes_from_the_environment() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert re.search(r"ZDRAV_JWT_SECRET: \$\{ZDRAV_JWT_SECRET:-[^}]+\}", text)


def test_pgbouncer_pools_every_service_database_with_the_kubernetes_configuration(compose: dict[str, Any]) -> None:
    pgbouncer = compose["services"]["pgbouncer"]
    assert pgbouncer["build"]["context"] == "deploy/pgbouncer"
    assert (ROOT / "deploy/pgbouncer/Dockerfile").is_file()
    mounted = {v.split(":")[1]: ROOT / v.split(":")[0] for v in pgbouncer["volumes"]}
    ini = mounted["/etc/pgbouncer/pgbouncer.ini"].read_text(encoding="utf-8")
    assert "pool_mode = transaction" in ini and "%include /etc/pgbouncer/databases.ini" in ini
    databases = mounted["/etc/pgbouncer/databases.ini"].read_text(encoding="utf-8")
    for service in SERVICES:
        assert f"{service} = host=postgres port=5432 dbname={service} " in databases
    (userlist,) = pgbouncer["configs"]
    assert f"auth_file = {userlist['target']}" in ini
    assert '"zdrav"' in compose["configs"][userlist["source"]]["content"]
    assert pgbouncer["read_only"] is True and pgbouncer["cap_drop"] == ["ALL"]


@pytest.mark.parametrize(("service", "port"), SERVICES.items())
def test_host_ports_come_from_the_same_variables_as_make_run(service: str, port: int) -> None:
    """KPI_PORT, SURVEY_PORT and ROADMAP_PORT move the host ports, defaulting to CONTRACT.md's."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert f'- "${{{service.upper()}_PORT:-{port}}}:8000"' in text


def test_cors_origins_pass_through_and_default_to_none() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "ZDRAV_CORS_ORIGINS: ${ZDRAV_CORS_ORIGINS:-}" in text
