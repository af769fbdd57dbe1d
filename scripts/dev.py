"""`make run`: check that the three ports are free, migrate three SQLite databases under ./var, load demo
data, start the three services, print where their docs are and how to get a token, and stop them all on
Ctrl-C. Browser front ends on the usual local development ports may call the services (CORS)."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dev_secret import jwt_secret

# zdrav_shared.http_protocol.UVICORN_HTTP: uvicorn with a deadline on request headers (slow clients).
UVICORN_HTTP = "zdrav_shared.http_protocol:HttpToolsProtocol"

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"


@dataclass(frozen=True)
class Service:
    name: str  # kpi-api
    package: str  # kpi_api
    prefix: str  # KPI
    default_port: int

    @property
    def port(self) -> int:
        text = os.environ.get(f"{self.prefix}_PORT", str(self.default_port))
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise SystemExit(f"make run: {self.prefix}_PORT must be a port number (1–65535), not {text!r}")
        return int(text)

    @property
    def database_url(self) -> str:
        default = f"sqlite+aiosqlite:///{VAR / (self.name.split('-')[0] + '.db')}"
        return os.environ.get(f"{self.prefix}_DATABASE_URL", default)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


SERVICES = [
    Service("kpi-api", "kpi_api", "KPI", 8001),
    Service("survey-api", "survey_api", "SURVEY", 8002),
    Service("roadmap-api", "roadmap_api", "ROADMAP", 8003),
]


LOCAL_FRONT_ENDS = [f"http://{host}:{port}" for port in (3000, 4200, 5173, 8080) for host in ("localhost", "127.0.0.1")]
"""Origins of the usual local front-end dev servers (React/Next, Angular, Vite, static): their pages may call
the services from the browser under `make run`. ZDRAV_CORS_ORIGINS in the environment replaces the list."""


def busy_ports(services: list[Service]) -> list[str]:
    """Why the services cannot listen where they should: a port taken (by an earlier `make run`, say) or
    given to two services. Checked before anything is migrated or started."""
    problems = []
    taken_by: dict[int, str] = {}
    for service in services:
        port = service.port
        if port in taken_by:
            problems.append(f"{service.name} and {taken_by[port]} are both set to port {port}")
            continue
        taken_by[port] = service.name
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as exc:
                problems.append(f"port {port} ({service.name}) is already in use ({exc.strerror or exc})")
    return problems


def service_env(secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env["ZDRAV_JWT_SECRET"] = secret
    env.setdefault("ZDRAV_KPI_URL", SERVICES[0].url)
    env.setdefault("ZDRAV_SURVEY_URL", SERVICES[1].url)
    env.setdefault("ZDRAV_ROADMAP_URL", SERVICES[2].url)
    env.setdefault("ZDRAV_CORS_ORIGINS", ",".join(LOCAL_FRONT_ENDS))
    # survey-api's response.detractor webhook goes to roadmap-api on 127.0.0.1: loopback must be allowed.
    allow = [h.strip() for h in env.get("ZDRAV_WEBHOOK_ALLOW", "").split(",") if h.strip()]
    env["ZDRAV_WEBHOOK_ALLOW"] = ",".join([*allow, *(h for h in ("127.0.0.1", "localhost") if h not in allow)])
    # Derived from the persisted JWT secret, so a subscription stored by an earlier run still signs right.
    env.setdefault(
        "ROADMAP_DETRACTOR_WEBHOOK_SECRET", "dev-detractors-" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    )
    for service in SERVICES:
        env[f"{service.prefix}_DATABASE_URL"] = service.database_url
    return env


def prepare(service: Service) -> None:
    """Migrate to head and load the demo data (each service's ``demo.load_demo`` if it has one)."""
    from zdrav_shared.migrations import upgrade

    app_module = importlib.import_module(f"{service.package}.app")
    upgrade(service.database_url, app_module.MIGRATIONS_DIR)
    try:
        demo = importlib.import_module(f"{service.package}.demo")
    except ModuleNotFoundError:
        return
    asyncio.run(demo.load_demo(service.database_url))


def subscribe_detractors(env: dict[str, str]) -> str:
    """Subscribe roadmap-api's detractor receiver to survey-api's ``response.detractor`` events (once:
    an existing subscription to the same URL is kept). A detractor with a comment then opens a
    follow-up in roadmap-api."""
    from zdrav_shared.tokens import issue_token

    target = f"{SERVICES[2].url}/v1/followups/detractors"
    token = issue_token(env["ZDRAV_JWT_SECRET"], "make-run", ["federal"], ["RU"], ttl_s=300)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    listed = urllib.request.Request(SERVICES[1].url + "/v1/webhooks", headers=headers)
    with urllib.request.urlopen(listed, timeout=10) as response:
        if any(hook["url"] == target and hook["active"] for hook in json.load(response)):
            return target
    body = {"url": target, "events": ["response.detractor"], "secret": env["ROADMAP_DETRACTOR_WEBHOOK_SECRET"]}
    create = urllib.request.Request(
        SERVICES[1].url + "/v1/webhooks", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(create, timeout=10):
        return target


def wait_healthy(service: Service, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{service.name} exited with code {process.returncode}; see its log above")
        try:
            with urllib.request.urlopen(service.url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{service.name} did not become ready within {timeout_s:.0f} s")


def main() -> int:
    problems = busy_ports(SERVICES)
    if problems:
        print("make run: cannot start — " + "; ".join(problems) + ".", file=sys.stderr)
        print(
            "Is Zdrav already running (another `make run`)? Stop it, or choose free ports, e.g. "
            "KPI_PORT=9001 SURVEY_PORT=9002 ROADMAP_PORT=9003 make run",
            file=sys.stderr,
        )
        return 1
    secret = jwt_secret()
    env = service_env(secret)
    os.environ.update(env)
    for service in SERVICES:
        print(f"· migrating and loading demo data for {service.name} …", flush=True)
        prepare(service)
    processes: list[tuple[Service, subprocess.Popen[bytes]]] = []

    def stop_all(*_: object) -> None:
        for _, process in processes:
            if process.poll() is None:
                process.terminate()
        for _, process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(0)))
    try:
        for service in SERVICES:
            command = [
                sys.executable, "-m", "uvicorn", f"{service.package}.app:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(service.port), "--no-access-log", "--http", UVICORN_HTTP,
            ]  # fmt: skip
            processes.append((service, subprocess.Popen(command, env=env, cwd=ROOT)))
        for service, process in processes:
            wait_healthy(service, process)
        try:
            print(f"· detractors flow to {subscribe_detractors(env)} (survey-api webhook)", flush=True)
        except OSError as exc:
            print(f"· could not subscribe roadmap-api to survey-api's detractors: {exc}", file=sys.stderr)
        print("\nZdrav is running (Ctrl-C stops all three):")
        for service in SERVICES:
            print(f"  {service.name:12} {service.url}/docs")
        print(f"\nBrowser pages on these origins may call them (CORS): {env['ZDRAV_CORS_ORIGINS']}")
        print("\nA token:  make token ROLE=federal SCOPE=RU   (or ROLE=regional_admin SCOPE=RU-MUR)")
        print('Use it:   curl -H "Authorization: Bearer $(make -s token)" ' + SERVICES[0].url + "/v1/org-units\n")
        while all(process.poll() is None for _, process in processes):
            time.sleep(0.5)
        failed = [s.name for s, p in processes if p.poll() is not None]
        print(f"stopped: {', '.join(failed)} exited", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping …")
        return 0
    finally:
        stop_all()


if __name__ == "__main__":
    raise SystemExit(main())
