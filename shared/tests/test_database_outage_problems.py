"""A database that is down, starting up, in recovery, shutting down or out of connections is a 503
problem with Retry-After (the client should retry), never a 500 — whatever the driver's message says.
A real bug in a query stays a 500. ``tests/fault/test_database_outage.py`` proves it end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg.exceptions as pg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi as dbapi
from sqlalchemy.exc import DBAPIError

from zdrav_shared.problems import PROBLEM_JSON, install_problem_handlers

UNAVAILABLE = {
    # message deliberately without the words the text heuristic looks for: the SQLSTATE decides
    "starting-up": pg.CannotConnectNowError("the database system is starting up"),
    "in-recovery": pg.CannotConnectNowError("the database system is in recovery mode"),
    "admin-shutdown": pg.AdminShutdownError("terminating connection due to administrator command"),
    "crash-shutdown": pg.CrashShutdownError("the database system is in an abnormal state"),
    "too-many": pg.TooManyConnectionsError("sorry, too many clients already"),
    "read-only": pg.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
    "not-accepting": pg.ObjectNotInPrerequisiteStateError('database "kpi" is not currently accepting connections'),
    "link-failure": pg.ConnectionFailureError("server closed the link unexpectedly"),
}
BUG = pg.UndefinedColumnError('column "nope" does not exist')


def _raise(error: pg.PostgresError) -> None:
    raise DBAPIError("SELECT 1", {}, dbapi.Error(error.args[0], error))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/unavailable/{name}")
    async def unavailable(name: str) -> None:
        _raise(UNAVAILABLE[name])

    @app.get("/bug")
    async def bug() -> None:
        _raise(BUG)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.mark.parametrize("name", sorted(UNAVAILABLE))
async def test_database_unavailable_states_are_503_with_retry_after(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/unavailable/{name}")
    assert response.status_code == 503, (name, response.text)
    assert response.headers["content-type"] == PROBLEM_JSON
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["status"] == 503


async def test_a_broken_query_is_still_a_500(client: httpx.AsyncClient) -> None:
    response = await client.get("/bug")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "nope" not in response.text
