"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) served with their scripts from the service itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN: in a ministry's closed network they stay
blank. The assets come from the ``fastapi-offline`` package (MIT), which ships ``swagger-ui-bundle.js``,
``swagger-ui.css`` and ``redoc.standalone.js`` as package data and is kept up to date with both
projects; only its files are used, the pages are built here with FastAPI's HTML helpers. Nothing on
either page reaches another host: no Google fonts, no favicon from FastAPI's site, and Swagger UI's
online validator badge (which sends the document's address to validator.swagger.io) is off.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs-assets"

SWAGGER_UI_PARAMETERS = {
    "validatorUrl": None,  # no badge fetched from validator.swagger.io
    "persistAuthorization": True,  # the token survives a reload of the page
    "displayRequestDuration": True,
}


def assets_directory() -> Path:
    """The folder of Swagger UI's and ReDoc's files inside the installed ``fastapi_offline`` package."""
    return Path(str(files("fastapi_offline") / "static"))


def install_docs(app: FastAPI) -> None:
    """Serve the two documentation pages and their assets (the app is built with ``docs_url=None`` and
    ``redoc_url=None``). The pages and assets need no token and are not in the OpenAPI document."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_directory()), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
