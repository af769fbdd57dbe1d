"""/docs and /redoc render in a browser cut off from everything but this machine (every request to another
host is aborted, and none may even be tried), and Swagger UI offers the Authorize button with the schemes
the OpenAPI documents declare.

Screenshots go to a temporary folder; with ``ZDRAV_UPDATE_SCREENSHOTS=1`` they are also written to
docs/img/ (the ones committed there were made that way)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from browser_support import Zdrav
from stack import ROOT

SERVICES = ("kpi", "survey", "roadmap")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


KEPT = {"kpi-api-docs.png", "survey-api-docs.png", "roadmap-api-docs.png", "survey-api-authorize.png"}


def keep(screenshot: Path, name: str) -> None:
    if os.environ.get("ZDRAV_UPDATE_SCREENSHOTS") == "1" and name in KEPT:
        target = ROOT / "docs" / "img" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, target)


@pytest.mark.parametrize("service", SERVICES)
def test_swagger_ui_renders_offline_with_the_authorize_button(
    offline_context: Any, zdrav: Zdrav, service: str, tmp_path: Path
) -> None:
    page = offline_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(getattr(zdrav, service) + "/docs")
    authorize = page.locator(".swagger-ui button.authorize")
    authorize.wait_for(state="visible", timeout=30_000)
    page.locator(".opblock-tag").first.wait_for(state="visible")  # the operations are listed too
    assert page.locator(".swagger-ui .info .title").inner_text().startswith(f"Zdrav {service}-api")

    shot = tmp_path / f"{service}-api-docs.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    box = authorize.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 10
    assert 0 <= box["y"] < 900, "the Authorize button is in the first screen"
    keep(shot, f"{service}-api-docs.png")

    authorize.click()  # the dialog lists the schemes of the document
    dialog = page.locator(".swagger-ui .modal-ux")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    assert "UserJWT" in text and "Bearer" in text
    assert ("KioskToken" in text) == (service == "survey")
    dialog_shot = tmp_path / f"{service}-api-authorize.png"
    page.screenshot(path=str(dialog_shot))
    keep(dialog_shot, f"{service}-api-authorize.png")

    assert not errors, errors
    assert offline_context.blocked == [], f"the page tried to reach other hosts: {offline_context.blocked}"


@pytest.mark.parametrize("service", SERVICES)
def test_redoc_renders_offline(offline_context: Any, zdrav: Zdrav, service: str) -> None:
    page = offline_context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Refused to load" in message.text else None)
    page.goto(getattr(zdrav, service) + "/redoc")
    title = page.locator("h1").first
    title.wait_for(state="visible", timeout=30_000)
    assert title.inner_text().startswith(f"Zdrav {service}-api")
    page.get_by_text("UserJWT").first.wait_for(state="attached")  # the security schemes are described
    assert offline_context.blocked == [], f"the page tried to reach other hosts: {offline_context.blocked}"
    # ReDoc's attribution logo (cdn.redoc.ly) is the one thing it would fetch; the page's CSP stops it in
    # the browser, before any request is made.
    assert all("cdn.redoc.ly/redoc/logo-mini.svg" in message for message in refused), refused
