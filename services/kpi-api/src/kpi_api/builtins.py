"""Definitions every kpi-api instance has, inserted at start when absent (never changed there): the
federal centre's report types (also seeded by the migration, like ``nsi-standard`` in survey-api)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kpi_api.report_types.service import ReportTypeService
from zdrav_shared.app import Startup
from zdrav_shared.db import Database
from zdrav_shared.logging import get_logger

log = get_logger(__name__)


async def ensure_builtins(database: Database) -> None:
    async with database.sessionmaker() as session, session.begin():
        added = await ReportTypeService(session).ensure_federal_seeds()
    if added:
        log.info("builtin_definitions_added", count=added)


def with_builtins(then: Startup) -> Startup:
    """A start-up that makes the built-in definitions exist, then runs ``then``."""

    @asynccontextmanager
    async def startup(app: FastAPI) -> AsyncIterator[None]:
        await ensure_builtins(app.state.db)
        async with then(app):
            yield

    return startup
