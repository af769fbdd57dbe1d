"""`make run` refuses busy ports before doing anything, and `make token` stays light."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import jwt
import pytest
from stack import ROOT, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
def occupied() -> Iterator[int]:
    """A port with a listener on it, as another `make run` would leave."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def run_dev(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_PORT")}
    return subprocess.run(
        [sys.executable, "scripts/dev.py"], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_make_run_names_the_busy_port_before_migrating(occupied: int) -> None:
    result = run_dev({"KPI_PORT": str(free_port()), "SURVEY_PORT": str(occupied), "ROADMAP_PORT": str(free_port())})
    assert result.returncode == 1
    assert f"port {occupied} (survey-api) is already in use" in result.stderr
    assert "KPI_PORT=" in result.stderr  # says how to choose others
    assert "migrating" not in result.stdout and "running" not in result.stdout


def test_make_run_refuses_one_port_for_two_services() -> None:
    port = str(free_port())
    result = run_dev({"KPI_PORT": port, "SURVEY_PORT": port, "ROADMAP_PORT": str(free_port())})
    assert result.returncode == 1
    assert f"both set to port {port}" in result.stderr


def test_make_run_refuses_a_port_that_is_not_a_number() -> None:
    result = run_dev({"KPI_PORT": "80o1"})
    assert result.returncode == 1
    assert "KPI_PORT must be a port number" in result.stderr


def test_make_token_imports_neither_the_web_stack_nor_the_crypto_backend() -> None:
    """What made it slow: FastAPI, SQLAlchemy and PyJWT's cryptography imports (and `uv sync`)."""
    probe = (
        "import runpy, sys; sys.argv = ['dev_token.py', '--role', 'regional_admin', '--scope', 'RU-MUR'];"
        "runpy.run_path('scripts/dev_token.py', run_name='__main__');"
        "heavy = sorted(m for m in ('fastapi', 'sqlalchemy', 'cryptography', 'jwt', 'httpx') if m in sys.modules);"
        "print('HEAVY', heavy)"
    )
    secret = "dev-commands-secret-0123456789abcdef0123456789"
    env = {**os.environ, "ZDRAV_JWT_SECRET": secret}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    token, heavy = result.stdout.splitlines()
    assert heavy == "HEAVY []"
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    assert claims["roles"] == ["regional_admin"] and claims["scope_org_units"] == ["RU-MUR"]


def test_make_token_does_not_sync_the_environment() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = makefile.split("\ntoken:", 1)[1].split("\n\n", 1)[0]
    assert "install" not in rule.splitlines()[0], "the token target must not depend on install (uv sync)"
    assert ".venv/bin/python scripts/dev_token.py" in rule
