"""What browser tests share: Debian's headless chromium driven by Playwright, the three services as real
processes, a static site on another origin, and dev tokens.

Reuse in a new browser test (any file under tests/browser/, marked ``browser``)::

    def test_the_kiosk_app(chromium: Browser, zdrav: Zdrav, offline_context: BrowserContext) -> None:
        page = offline_context.new_page()
        page.goto(zdrav.survey + "/kiosk/")

* ``chromium`` — the session's browser (:func:`launch_chromium`: Debian's ``/usr/bin/chromium`` through
  Playwright's Python package; never a browser Playwright downloads). Missing chromium skips the test
  with the command that installs it, and fails it when ``CI=true`` (``scripts/ensure_chromium.sh``
  installs it for ``make browser``).
* ``offline_context`` — a fresh context whose requests to any host other than this machine are aborted
  and listed in ``context.blocked`` (a page that works here works in a closed network).
* ``zdrav`` — kpi-api, survey-api and roadmap-api as uvicorn processes on SQLite files, sharing a JWT
  secret, with ``ZDRAV_CORS_ORIGINS`` allowing :data:`PAGE_ORIGIN`'s port; ``zdrav.token(role, scope)``
  prints a dev token with ``scripts/dev_token.py``.
* ``static_site(folder)`` — serves a folder over HTTP on ``localhost`` and another port (another origin).
"""

from __future__ import annotations

import functools
import importlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# The browser tests share browser_support.py; --import-mode=importlib does not put this folder on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import (
    LOCAL_HOSTS,
    PAGE_ORIGIN,
    PAGE_PORT,
    SECRET,
    SERVICES,
    QuietHandler,
    Zdrav,
    launch_chromium,
    wait_ready,
)
from stack import ROOT, free_port

from zdrav_shared.http_protocol import UVICORN_HTTP
from zdrav_shared.migrations import upgrade


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def offline_context(chromium: Any) -> Iterator[Any]:
    """A browser context that cannot reach anything but this machine; ``context.blocked`` lists what was tried."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    blocked: list[str] = []

    def only_local(route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    context.blocked = blocked
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def zdrav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zdrav]:
    workdir = Path(tmp_path_factory.mktemp("zdrav-browser"))
    ports = {key: free_port() for key, _ in SERVICES}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZDRAV_", "KPI_", "SURVEY_", "ROADMAP_"))}
    env.update(
        ZDRAV_JWT_SECRET=SECRET,
        ZDRAV_CORS_ORIGINS=PAGE_ORIGIN,
        ZDRAV_KPI_URL=f"http://127.0.0.1:{ports['kpi']}",
        ZDRAV_SURVEY_URL=f"http://127.0.0.1:{ports['survey']}",
        ZDRAV_ROADMAP_URL=f"http://127.0.0.1:{ports['roadmap']}",
        KPI_SOURCE_REFRESH_INTERVAL_S="0",
    )
    processes: list[subprocess.Popen[bytes]] = []
    logs: dict[str, Path] = {}
    try:
        for key, package in SERVICES:
            url = f"sqlite+aiosqlite:///{workdir / key}.db"
            # In a thread of its own: Playwright's sync API keeps an event loop running in this one, and
            # Alembic's async env runs one with asyncio.run.
            migrations = importlib.import_module(f"{package}.app").MIGRATIONS_DIR
            with ThreadPoolExecutor(max_workers=1) as thread:
                thread.submit(upgrade, url, migrations).result()
            env[f"{key.upper()}_DATABASE_URL"] = url
        for key, package in SERVICES:
            logs[key] = workdir / f"{key}-api.log"
            command = [sys.executable, "-m", "uvicorn", f"{package}.app:create_app", "--factory",
                       "--http", UVICORN_HTTP, "--host", "127.0.0.1", "--port", str(ports[key]),
                       "--no-access-log"]  # fmt: skip
            with logs[key].open("wb") as log:
                processes.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
        for (key, _), process in zip(SERVICES, processes, strict=True):
            wait_ready(f"http://127.0.0.1:{ports[key]}", process, logs[key])
        yield Zdrav(*(f"http://127.0.0.1:{ports[key]}" for key, _ in SERVICES), env=env, logs=logs)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def static_site() -> Iterator[Callable[[Path], str]]:
    """``static_site(folder)`` → the folder's URL on :data:`PAGE_ORIGIN` (one server per session; each
    call mounts the folder under its own prefix)."""
    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"zdrav-sites-{os.getpid()}"
    root.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", PAGE_PORT), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(folder: Path) -> str:
        name = folder.name
        target = root / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(folder, target)
        return f"{PAGE_ORIGIN}/{name}/"

    try:
        yield serve
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(root, ignore_errors=True)
