"""/docs and /redoc work in a closed network: every script, style sheet and icon comes from the service."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest

from zdrav_shared.docs import assets_directory


class AssetLinks(HTMLParser):
    """The URLs a browser fetches to render a page: scripts, style sheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "img"} and values.get("src"):
            self.urls.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.urls.append(str(values["href"]))


def linked(html: str) -> list[str]:
    parser = AssetLinks()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize(("page", "script"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
async def test_the_page_loads_its_scripts_from_the_service(client: httpx.AsyncClient, page: str, script: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = linked(response.text)
    assert any(url.endswith(script) for url in urls), urls
    for url in urls:
        assert url.startswith("/"), f"{page} loads {url} from another host"
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    # Nothing else on the page names another host (fonts, the validator badge, a CDN).
    assert not re.search(r"https?://", response.text), re.findall(r"https?://[^\"' ]+", response.text)


async def test_the_scripts_are_the_real_bundles(client: httpx.AsyncClient) -> None:
    swagger = await client.get("/docs-assets/swagger-ui-bundle.js")
    assert swagger.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert b"SwaggerUIBundle" in swagger.content
    redoc = await client.get("/docs-assets/redoc.standalone.js")
    assert b"Redoc" in redoc.content
    css = await client.get("/docs-assets/swagger-ui.css")
    assert css.headers["content-type"].startswith("text/css")


async def test_swagger_ui_is_configured_for_a_closed_network(client: httpx.AsyncClient) -> None:
    html = (await client.get("/docs")).text
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
    assert '"persistAuthorization": true' in html
    assert "/openapi.json" in html


async def test_docs_need_no_token_and_stay_out_of_the_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    assert not any(path.startswith(("/docs", "/redoc")) for path in document["paths"])


def test_the_assets_ship_with_an_installed_package() -> None:
    names = {p.name for p in assets_directory().iterdir()}
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"} <= names


async def test_the_served_document_names_the_server_it_was_read_from(client: httpx.AsyncClient) -> None:
    """Swagger UI's "Try it out" calls the first server: the one that served the page, wherever deployed."""
    document = (await client.get("/openapi.json")).json()
    assert document["servers"][0]["url"] == "http://shared.test"
    assert document["info"]["title"] == "shared tests"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_pages_may_load_nothing_from_other_origins(client: httpx.AsyncClient, page: str) -> None:
    policy = (await client.get(page)).headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    assert "http" not in policy  # no other host is allowed anywhere
