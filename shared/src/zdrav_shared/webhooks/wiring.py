"""Plugging the outbox into a service: its settings, and the delivery worker in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from zdrav_shared.app import Startup
from zdrav_shared.settings import ServiceSettings
from zdrav_shared.webhooks.tables import WebhookTables
from zdrav_shared.webhooks.worker import Sweep, WebhookSettings, parse_allow, running_worker


def webhook_settings(settings: ServiceSettings) -> WebhookSettings:
    """``ZDRAV_WEBHOOK_ALLOW``, ``…_INTERVAL_S`` and ``…_LEASE_S`` as the worker's settings."""
    return WebhookSettings(
        allow=parse_allow(settings.webhook_allow),
        poll_s=settings.webhook_interval_s or 1.0,
        lease_s=settings.webhook_lease_s,
    )


def with_webhooks(
    tables: WebhookTables, settings: ServiceSettings, then: Startup | None = None, sweep: Sweep | None = None
) -> Startup:
    """A start-up that sets ``app.state.webhook_settings``, runs the delivery worker (with the service's
    ``sweep`` for time-made events) for the life of the app when ``webhook_interval_s`` > 0
    (``app.state.webhook_worker``), and then ``then``."""

    @asynccontextmanager
    async def startup(app: FastAPI) -> AsyncIterator[None]:
        app.state.webhook_settings = webhook_settings(settings)
        app.state.webhook_worker = None
        async with AsyncExitStack() as stack:
            if settings.webhook_interval_s > 0:
                worker = running_worker(app.state.db.engine, tables, app.state.webhook_settings, sweep)
                app.state.webhook_worker = await stack.enter_async_context(worker)
            if then is not None:
                await stack.enter_async_context(then(app))
            yield

    return startup
