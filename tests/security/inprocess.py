"""The three services in-process on throwaway databases, for the security modules that drive them
through their HTTP surface (one database per service, dropped afterwards; tables emptied on the way
out so that a shared PostgreSQL is left as it was found)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from support import SERVICES, kpi_mock

from zdrav_shared.testing import ThrowawayDatabase, empty_tables


@contextmanager
def throwaway_databases(prefix: str, names: Iterable[str] | None = None) -> Iterator[dict[str, str]]:
    """A fresh, migrated database per service (all three unless ``names``), by service name."""
    chosen = sorted(names) if names is not None else list(SERVICES)
    databases = {name: ThrowawayDatabase(f"{prefix}-{name}", SERVICES[name].migrations_dir) for name in chosen}
    try:
        yield {name: database.create() for name, database in databases.items()}
    finally:
        for database in databases.values():
            database.drop()


@asynccontextmanager
async def service_clients(
    database_urls: dict[str, str], **settings: Any
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One client per service in ``database_urls``, each app running (lifespan entered) until the end;
    kpi-api's registry is mocked for the other two. ``settings`` go to every service's settings."""
    opened: dict[str, httpx.AsyncClient] = {}
    managers = []
    with kpi_mock():
        try:
            for name, url in database_urls.items():
                spec = SERVICES[name]
                app = spec.create_app(spec.settings(url, **settings))
                manager = LifespanManager(app)
                await manager.__aenter__()
                managers.append((manager, app, spec))
                opened[name] = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
            yield opened
        finally:
            for client in opened.values():
                await client.aclose()
            for manager, app, spec in reversed(managers):
                await empty_tables(app.state.db.engine, spec.metadata)
                await manager.__aexit__(None, None, None)
