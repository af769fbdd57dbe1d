"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) served with their scripts from the service itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN: in a ministry's closed network they stay
blank. The assets come from the ``fastapi-offline`` package (MIT), which ships ``swagger-ui-bundle.js``,
``swagger-ui.css`` and ``redoc.standalone.js`` as package data and is kept up to date with both
projects; only its files are used, the pages are built here with FastAPI's HTML helpers. Nothing on
either page reaches another host: no Google fonts, no favicon from FastAPI's site, Swagger UI's online
validator badge (which sends the document's address to validator.swagger.io) is off, and a
Content-Security-Policy keeps everything else on the service's own origin (ReDoc's "API docs by Redocly"
logo would otherwise be fetched from cdn.redoc.ly).

``/openapi.json`` is served here too: the same document as ``app.openapi()`` (and as the committed
openapi/*.json) except that its ``servers`` names the address the document was fetched from, so that
"Try it out" in Swagger UI calls the service that served the page, wherever it is deployed.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs-assets"

SWAGGER_UI_PARAMETERS = {
    "validatorUrl": None,  # no badge fetched from validator.swagger.io
    "persistAuthorization": True,  # the token survives a reload of the page
    "displayRequestDuration": True,
}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",  # Swagger UI's page starts it with an inline script
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",  # ReDoc's search runs in a worker made from a blob
        "connect-src 'self'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
"""Nothing the documentation pages load may come from another origin."""


def assets_directory() -> Path:
    """The folder of Swagger UI's and ReDoc's files inside the installed ``fastapi_offline`` package."""
    return Path(str(files("fastapi_offline") / "static"))


def install_docs(app: FastAPI) -> None:
    """Serve the OpenAPI document, the two documentation pages and their assets (the app is built with
    ``openapi_url``, ``docs_url`` and ``redoc_url`` set to None). None of them needs a token, and none is
    in the OpenAPI document."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_directory()), name="docs-assets")

    @app.get(OPENAPI_URL, include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        document = dict(app.openapi())
        here = str(request.base_url).rstrip("/")
        document["servers"] = [{"url": here, "description": "The server this document was read from"}]
        return JSONResponse(document)

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{OPENAPI_URL}",
            title=f"{app.title} — Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )
        page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return page

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}{OPENAPI_URL}",
            title=f"{app.title} — ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return page
