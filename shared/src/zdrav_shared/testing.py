"""Test support shared by the services' suites: one throwaway database per test session (SQLite
file or PostgreSQL database), migrated by the service's own Alembic scripts, and emptied between
tests; tokens for any role and scope.

Which backend: ``ZDRAV_TEST_BACKEND=sqlite`` (default) or ``postgres``; the PostgreSQL server is
``TEST_DATABASE_URL`` (default the local server).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from zdrav_shared.auth import issue_token
from zdrav_shared.migrations import upgrade
from zdrav_shared.routes import DOCUMENTED_HEADERS
from zdrav_shared.tokens import MAX_SERVICE_TOKEN_TTL_S, MAX_USER_TOKEN_TTL_S, Role

TEST_JWT_SECRET = "test-secret-not-for-production-0123456789abcdef"
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def test_backend() -> str:
    return os.environ.get("ZDRAV_TEST_BACKEND", "sqlite").lower()


def postgres_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)


async def _pg_admin(sql: str) -> None:
    engine = create_async_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


class ThrowawayDatabase:
    """A migrated database that lives for one test session."""

    def __init__(self, service: str, migrations_dir: Path) -> None:
        self.service = service
        self.migrations_dir = migrations_dir
        self.backend = test_backend()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._pg_name: str | None = None
        self.url = ""

    def create(self) -> str:
        """Create and migrate; returns the async URL. Call outside an event loop."""
        if self.backend == "postgres":
            self._pg_name = f"zdrav_t_{self.service.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
            asyncio.run(_pg_admin(f'CREATE DATABASE "{self._pg_name}"'))
            self.url = make_url(postgres_admin_url()).set(database=self._pg_name).render_as_string(hide_password=False)
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix=f"zdrav-{self.service}-")
            self.url = f"sqlite+aiosqlite:///{self._tmp.name}/test.db"
        upgrade(self.url, self.migrations_dir)
        return self.url

    def drop(self) -> None:
        if self._pg_name is not None:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)'))
        if self._tmp is not None:
            self._tmp.cleanup()


async def empty_tables(engine: AsyncEngine, metadata: MetaData, keep: Sequence[str] = ()) -> None:
    """Delete every row of the service's tables (keeping ``keep``), resetting identities."""
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in keep]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            if tables:
                names = ", ".join(f'"{t.name}"' for t in tables)
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # Self-references (org_units.parent_id) make row order matter; check at commit instead.
            await conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                await conn.execute(table.delete())
            has_seq = (await conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'"))).first()
            if has_seq:
                await conn.execute(text("DELETE FROM sqlite_sequence"))


def token(
    roles: Sequence[str] = ("federal",),
    scope: Sequence[str] = ("RU",),
    sub: str = "tester",
    ttl_s: int = 3600,
    secret: str = TEST_JWT_SECRET,
) -> str:
    """A signed HS256 token for tests: ``iat`` now, and a lifetime the services accept (a longer one is a
    mistake in the test, refused here rather than as a puzzling 401)."""
    limit = MAX_SERVICE_TOKEN_TTL_S if Role.SERVICE in roles else MAX_USER_TOKEN_TTL_S
    if ttl_s > limit:
        raise ValueError(f"a test token may be valid for at most {limit} s (ZDRAV_MAX_TOKEN_TTL_S)")
    return issue_token(secret, sub, list(roles), list(scope), ttl_s=ttl_s)


def auth(roles: Sequence[str] = ("federal",), scope: Sequence[str] = ("RU",), sub: str = "tester") -> dict[str, str]:
    """An ``Authorization`` header for tests."""
    return {"Authorization": f"Bearer {token(roles, scope, sub)}"}


async def schema_drift(url: str, metadata: MetaData) -> list[object]:
    """Differences between the ORM metadata and a migrated database (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def compare(sync_conn: Any) -> list[object]:
                # A partition of a partitioned table (PostgreSQL) is a table of the database that no
                # model declares: the model describes its parent, which is what is compared.
                partitions: set[str] = set()
                if sync_conn.dialect.name == "postgresql":
                    found = sync_conn.exec_driver_sql("SELECT relname FROM pg_class WHERE relispartition")
                    partitions = {name for (name,) in found}

                def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
                    return not (type_ == "table" and name in partitions)

                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "include_name": include_name}
                )
                return list(compare_metadata(context, metadata))

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


def service_fixtures(
    service: str,
    migrations_dir: Path,
    create_app: Callable[[Any], FastAPI],
    make_settings: Callable[[str], Any],
    metadata: MetaData,
) -> tuple[Any, ...]:
    """The standard fixtures of a service's test suite; in its conftest::

        database_url, settings, app, client = service_fixtures("kpi-api", MIGRATIONS_DIR, ...)

    ``database_url`` (session): a migrated throwaway database; ``settings``: the service's settings
    for it (``make_settings(url)``); ``app``: the app with its lifespan running, tables emptied after
    the test; ``client``: an httpx client over ASGI.
    """
    import httpx
    import pytest
    from asgi_lifespan import LifespanManager

    @pytest.fixture(scope="session", name="database_url")
    def database_url_fixture() -> Iterator[str]:
        database = ThrowawayDatabase(service, migrations_dir)
        url = database.create()
        yield url
        database.drop()

    @pytest.fixture(name="settings")
    def settings_fixture(database_url: str) -> Any:
        return make_settings(database_url)

    @pytest.fixture(name="app")
    async def app_fixture(settings: Any) -> AsyncIterator[FastAPI]:
        application = create_app(settings)
        # asgi-lifespan's default of 5 s for start-up and shutdown is a guess, not a bound under test: on a
        # loaded 2-core CI box (the two test legs side by side) a start-up that connects to PostgreSQL and
        # starts the webhook worker took longer once. A hung start-up still fails, after a minute.
        async with LifespanManager(application, startup_timeout=60, shutdown_timeout=60):
            try:
                yield application
            finally:
                await empty_tables(application.state.db.engine, metadata)

    @pytest.fixture(name="client")
    async def client_fixture(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
        recorder = AnswerRecorder(app)
        transport = httpx.ASGITransport(app=recorder)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{service}.test") as http:
            yield http
        undeclared = undeclared_headers(app, recorder.answers)
        if undeclared:
            pytest.fail("\n".join(undeclared), pytrace=False)

    return database_url_fixture, settings_fixture, app_fixture, client_fixture


class AnswerRecorder:
    """Wraps an app for the test client and records, for every answer, its route template, method,
    status and which of the headers the OpenAPI document declares (``routes.DOCUMENTED_HEADERS``) it
    carried — so that each service's whole suite checks that the document declares every ``ETag`` and
    ``Location`` the code actually sends (see :func:`undeclared_headers`)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.answers: set[tuple[str, str, int, str]] = set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                route = scope.get("route")
                path = getattr(route, "path_format", None) or getattr(route, "path", None)
                names = {key.decode("latin-1").lower() for key, _ in message.get("headers", [])}
                if path is not None:
                    for header in DOCUMENTED_HEADERS:
                        if header.lower() in names:
                            self.answers.add((scope["method"], str(path), int(message["status"]), header))
            await send(message)

        await self.app(scope, receive, recording_send)


_documents: dict[tuple[str, str], dict[str, Any]] = {}


def undeclared_headers(app: FastAPI, answers: set[tuple[str, str, int, str]]) -> list[str]:
    """The recorded answers whose header the app's OpenAPI document does not declare for that status."""
    if not answers:
        return []
    key = (app.title, app.version)
    if key not in _documents:  # one document per service and session: rendering it costs ~0.1 s
        _documents[key] = app.openapi()
    paths = _documents[key].get("paths", {})
    missing = []
    for method, path, status, header in sorted(answers):
        operation = paths.get(path, {}).get(method.lower())
        if operation is None:
            continue  # not in the document (docs pages, health)
        declared = operation.get("responses", {}).get(str(status), {}).get("headers", {})
        if header not in declared:
            missing.append(
                f"{method} {path} answered {status} with {header}, which the OpenAPI document does not declare: "
                f'set it in the endpoint (or a helper of its module) as response.headers["{header}"] = … '
                "so that zdrav_shared.routes finds it"
            )
    return missing
