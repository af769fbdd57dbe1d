"""Browser-test support (see conftest.py for the fixtures): Debian's chromium through Playwright, the three
services as processes, and the origin static pages are served from."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from stack import ROOT, free_port

CHROMIUM = os.environ.get("ZDRAV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
SECRET = "browser-tests-secret-0123456789abcdef0123456789abcdef"
PAGE_PORT = free_port()
PAGE_ORIGIN = f"http://localhost:{PAGE_PORT}"
"""The origin the static test pages are served from: another host name and port than the services'."""


# --- chromium -------------------------------------------------------------------------------------


def require_chromium() -> None:
    """Skip (or, under CI=true, fail) with the command that installs Debian's chromium when it is missing."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return
    message = (
        f"Debian's chromium is not installed at {CHROMIUM}: run `bash scripts/ensure_chromium.sh` "
        "(apt-get install -y chromium fonts-dejavu-core) or set ZDRAV_CHROMIUM"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextmanager
def launch_chromium(**launch_options: Any) -> Iterator[Any]:
    """A headless Debian chromium under Playwright's control (a ``playwright.sync_api.Browser``)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **launch_options
        )
        try:
            yield browser
        finally:
            browser.close()


# --- the services ---------------------------------------------------------------------------------


@dataclass
class Zdrav:
    """The three services as processes; their base URLs and a dev-token helper."""

    kpi: str
    survey: str
    roadmap: str
    env: dict[str, str]
    logs: dict[str, Path] = field(default_factory=dict)

    def token(self, role: str = "federal", scope: str = "RU") -> str:
        """A dev token as `make token ROLE=… SCOPE=…` prints it (same script, this run's secret)."""
        result = subprocess.run(
            [sys.executable, "scripts/dev_token.py", "--role", role, "--scope", scope],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout.strip()


SERVICES = (("kpi", "kpi_api"), ("survey", "survey_api"), ("roadmap", "roadmap_api"))


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {log.read_text(encoding='utf-8')[-3000:]}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready: {log.read_text(encoding='utf-8')[-3000:]}")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass
