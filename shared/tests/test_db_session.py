"""One session per request, committed once before the response and rolled back on error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from starlette.types import Message, Receive, Scope, Send

from kpi_api.app import MIGRATIONS_DIR
from zdrav_shared.db import Database, is_sqlite
from zdrav_shared.health import alembic_head


async def note_ids(app: FastAPI) -> list[int]:
    """Read from a connection of its own: only committed rows are visible there."""
    async with app.state.db.engine.connect() as conn:
        return list((await conn.execute(text("SELECT id FROM shared_test_notes ORDER BY id"))).scalars())


class TestCommitOnSuccess:
    async def test_written_row_is_persisted(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        response = await client.post("/db/notes/1")
        assert response.status_code == 200
        assert await note_ids(app) == [1]

    async def test_committed_before_the_response_starts(self, app: FastAPI) -> None:
        """Look at the database at the moment the status line is sent."""
        seen: list[list[int]] = []

        async def probe(scope: Scope, receive: Receive, send: Send) -> None:
            async def probing_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    seen.append(await note_ids(app))
                await send(message)

            await app(scope, receive, probing_send)

        transport = httpx.ASGITransport(app=probe)
        async with httpx.AsyncClient(transport=transport, base_url="http://shared.test") as http:
            assert (await http.post("/db/notes/7")).status_code == 200
        assert seen == [[7]]

    async def test_a_failing_commit_is_the_answer_not_a_200(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        assert (await client.post("/db/notes/3")).status_code == 200
        # Unflushed: the duplicate key surfaces only in the commit, which must precede the answer.
        response = await client.post("/db/notes/3/unflushed")
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        assert await note_ids(app) == [3]


class TestRollbackOnError:
    async def test_problem_after_write_persists_nothing(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        response = await client.post("/db/notes/2/fail")
        assert response.status_code == 409
        assert await note_ids(app) == []

    async def test_crash_after_write_persists_nothing(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        response = await client.post("/db/notes/4/crash")
        assert response.status_code == 500
        assert await note_ids(app) == []

    async def test_requests_are_isolated(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        assert (await client.post("/db/notes/5/fail")).status_code == 409
        assert (await client.post("/db/notes/6")).status_code == 200
        assert await note_ids(app) == [6]


class TestDatabase:
    async def test_ping_and_revision(self, app: FastAPI) -> None:
        database: Database = app.state.db
        assert await database.ping()
        assert await database.current_revision() == alembic_head(MIGRATIONS_DIR)
        assert database.is_sqlite == is_sqlite(str(database.engine.url))

    async def test_unreachable_database_does_not_ping(self) -> None:
        database = Database.from_url("postgresql+asyncpg://nobody@127.0.0.1:1/none", connect_timeout_s=1)
        try:
            assert not await database.ping()
        finally:
            await database.dispose()

    async def test_readyz(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ready" and body["migrations_at_head"] is True
        assert (await client.get("/healthz")).json() == {"status": "ok"}


@pytest.fixture
async def unmigrated(tmp_path: object) -> AsyncIterator[Database]:
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    yield database
    await database.dispose()


async def test_revision_is_none_before_migrations(unmigrated: Database) -> None:
    assert await unmigrated.ping()
    assert await unmigrated.current_revision() is None


class TestMigrationState:
    def test_states(self) -> None:
        from zdrav_shared.health import migration_state

        known = frozenset({"a", "b"})
        assert migration_state("b", "b", known) == "at_head"
        assert migration_state("a", "b", known) == "behind"
        assert migration_state("z", "b", known) == "ahead"  # a newer release migrated: keep serving
        assert migration_state(None, "b", known) == "none"
