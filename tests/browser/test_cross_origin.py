"""Done-when of issue 16: a page served from another origin signs in with a dev token, calls each of
the three services with ``fetch`` in a real (headless Debian) Chromium, and reads ETags, Location and the
request id; a page on an origin that ZDRAV_CORS_ORIGINS does not list cannot read anything."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from browser_support import PAGE_PORT, Zdrav

SITE = Path(__file__).parent / "site"
WEAK_ETAG = re.compile(r'^W/"\d+"$')


def run_page(context: Any, url: str, token: str) -> dict[str, Any]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.fill("#token", token)
    page.click("#sign-in")
    page.click("#run")
    page.wait_for_selector("body[data-done=true]", timeout=30_000)
    assert not errors, errors
    results: dict[str, Any] = json.loads(page.inner_text("#out"))
    results["who"] = page.inner_text("#who")
    page.close()
    return results


def test_a_page_on_another_origin_calls_all_three_services(
    offline_context: Any, zdrav: Zdrav, static_site: Callable[[Path], str]
) -> None:
    base = static_site(SITE)
    assert base.startswith(f"http://localhost:{PAGE_PORT}/")  # not the services' origin (127.0.0.1, their ports)
    url = base + "index.html?" + urlencode({"kpi": zdrav.kpi, "survey": zdrav.survey, "roadmap": zdrav.roadmap})
    out = run_page(offline_context, url, zdrav.token("federal", "RU"))

    assert out["who"] == "dev-user: federal @ RU"  # the page decoded the dev token it signed in with
    # kpi-api: created (201 + ETag + Location), read with a request id of the page's own, changed with If-Match
    assert out["createFederation"]["status"] == 201, out["createFederation"]
    region = out["createRegion"]
    assert region["status"] == 201 and region["location"] == "/v1/org-units/RU-MUR"
    assert WEAK_ETAG.match(region["etag"]), region
    read = out["readRegion"]
    assert read["status"] == 200 and read["etag"] == region["etag"]
    assert read["requestId"] == "browser-read-1"  # sent by the page (allowed header) and read back (exposed)
    renamed = out["renameRegion"]
    assert renamed["status"] == 200 and renamed["etag"] != read["etag"] and WEAK_ETAG.match(renamed["etag"])
    stale = out["staleRename"]  # the same If-Match again: refused, and the page can read why
    assert stale["status"] in (409, 412) and stale["contentType"].startswith("application/problem+json")
    assert "changed since you read it" in stale["body"]["detail"]
    # survey-api: the standard questionnaire with its ETag
    questionnaire = out["questionnaire"]
    assert questionnaire["status"] == 200 and WEAK_ETAG.match(questionnaire["etag"])
    assert questionnaire["body"]["code"] == "nsi-standard"
    # roadmap-api: created (it asked kpi-api about the region), then read at its Location with the same ETag
    created = out["createRoadmap"]
    assert created["status"] == 201, created
    assert WEAK_ETAG.match(created["etag"]) and created["location"].startswith("/v1/roadmaps/")
    assert out["readRoadmap"]["status"] == 200 and out["readRoadmap"]["etag"] == created["etag"]
    assert offline_context.blocked == []


def test_an_origin_that_is_not_allowed_reads_nothing(
    offline_context: Any, zdrav: Zdrav, static_site: Callable[[Path], str]
) -> None:
    """The same page from http://127.0.0.1:<port> — another origin than the allowed http://localhost:<port>."""
    base = static_site(SITE).replace("http://localhost:", "http://127.0.0.1:")
    url = base + "index.html?" + urlencode({"kpi": zdrav.kpi, "survey": zdrav.survey, "roadmap": zdrav.roadmap})
    out = run_page(offline_context, url, zdrav.token("federal", "RU"))
    for step in ("createFederation", "readRegion", "questionnaire", "createRoadmap"):
        assert out[step]["status"] == 0 and "Failed to fetch" in out[step]["error"], out[step]
