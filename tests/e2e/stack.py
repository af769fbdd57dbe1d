"""The three services as real uvicorn processes on PostgreSQL (one database each), for end-to-end
and fault tests. Processes can be stopped, killed, frozen (SIGSTOP) and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from zdrav_shared.http_protocol import UVICORN_HTTP
from zdrav_shared.migrations import upgrade
from zdrav_shared.testing import TEST_JWT_SECRET, postgres_admin_url

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ServiceProcess:
    name: str  # kpi-api
    package: str  # kpi_api
    prefix: str  # KPI
    port: int
    database_url: str
    log_path: Path
    database: str = ""
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, env: dict[str, str]) -> None:
        log = self.log_path.open("ab")
        command = [
            sys.executable, "-m", "uvicorn", f"{self.package}.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--http", UVICORN_HTTP,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 90.0) -> None:  # three imports at once on a busy 2-core box
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout_s} s: {self.log_path.read_text()[-2000:]}")

    def signal(self, signum: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _admin(sql: str, url: str | None = None) -> None:
    engine = create_async_engine(url or postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@dataclass
class Stack:
    workdir: Path
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    admin_url: str = field(default_factory=postgres_admin_url)
    """The server the databases are made on (and migrated there, directly)."""
    service_url: Callable[[str], str] | None = None
    """The URL the services get for a database name, when not the admin server's own (PgBouncer)."""
    read_url: Callable[[str], str] | None = None
    """``<P>_READ_DATABASE_URL`` for a database name (a streaming replica), when set."""
    read_keys: tuple[str, ...] = ("kpi", "survey", "roadmap")
    """The services that get ``read_url``."""

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "ZDRAV_JWT_SECRET": TEST_JWT_SECRET,
                "ZDRAV_KPI_URL": self.services["kpi"].url,
                "ZDRAV_SURVEY_URL": self.services["survey"].url,
                "ZDRAV_ROADMAP_URL": self.services["roadmap"].url,
            }
        )
        for key, service in self.services.items():
            env[f"{service.prefix}_DATABASE_URL"] = service.database_url
            if self.read_url is not None and key in self.read_keys:
                env[f"{service.prefix}_READ_DATABASE_URL"] = self.read_url(service.database)
        env.update(self.extra_env)
        return env

    def create(self) -> None:
        import importlib

        suffix = uuid.uuid4().hex[:8]
        for key, package, prefix in (("kpi", "kpi_api", "KPI"), ("survey", "survey_api", "SURVEY"),
                                     ("roadmap", "roadmap_api", "ROADMAP")):  # fmt: skip
            name = f"zdrav_e2e_{key}_{suffix}"
            asyncio.run(_admin(f'CREATE DATABASE "{name}"', self.admin_url))
            self.databases.append(name)
            url = make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)
            if self.service_url is not None:  # migrated the way the services connect, as a migration Job is
                url = self.service_url(name)
            upgrade(url, importlib.import_module(f"{package}.app").MIGRATIONS_DIR)
            self.services[key] = ServiceProcess(
                f"{key}-api", package, prefix, free_port(), url, self.workdir / f"{key}-api.log", database=name
            )

    def start(self, *keys: str) -> None:
        env = self.env()
        for key in keys or tuple(self.services):
            self.services[key].start(env)
        for key in keys or tuple(self.services):
            self.services[key].wait_ready()

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

    def drop(self) -> None:
        self.stop()
        for name in self.databases:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', self.admin_url))
