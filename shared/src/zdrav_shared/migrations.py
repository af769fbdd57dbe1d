"""Alembic glue: every service's async ``env.py`` calls :func:`run_env`, and tools, tests and
``make run`` call :func:`upgrade` to migrate a database to head."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Literal

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from zdrav_shared.db import pgbouncer_connect_args
from zdrav_shared.orm import AwareDateTime

URL_ATTRIBUTE = "database_url"


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def alembic_config(migrations_dir: Path, url: str) -> Config:
    """A programmatic Alembic config; the URL travels as an attribute so '%' needs no escaping."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes[URL_ATTRIBUTE] = url
    return config


def upgrade(url: str, migrations_dir: Path, revision: str = "head") -> None:
    """Migrate the database at ``url`` (synchronous; call it outside a running event loop)."""
    _ensure_sqlite_dir(url)
    command.upgrade(alembic_config(migrations_dir, url), revision)


def _log_like_the_services(config: Config) -> None:
    """The ``alembic`` command line (the compose migration step, the Kubernetes migration Job) logs as the
    services do: JSON lines (``ZDRAV_LOG_FORMAT=console`` for people), named after the service whose
    migrations run. Not in offline mode, whose standard output is the SQL itself."""
    from zdrav_shared.logging import configure_logging

    service = Path(str(config.get_main_option("script_location"))).parent.name
    level = os.environ.get("ZDRAV_LOG_LEVEL", "INFO")
    configure_logging(service, level, json=os.environ.get("ZDRAV_LOG_FORMAT", "json") != "console")


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write shared column types into migrations as plain SQLAlchemy types (no import needed)."""
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _do_run(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_env(target_metadata: MetaData, default_url: str) -> None:
    """The body of a service's ``env.py``."""
    config = context.config
    url = str(config.attributes.get(URL_ATTRIBUTE) or config.get_main_option("sqlalchemy.url") or default_url)
    if config.cmd_opts is not None and not context.is_offline_mode():
        _log_like_the_services(config)
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    _ensure_sqlite_dir(url)

    async def run_async() -> None:
        # Statements that work behind PgBouncer in transaction mode too, so that a migration Job can use
        # the services' own URL whether or not it goes through PgBouncer (a migration's few hundred
        # statements do not miss the prepared-statement cache).
        postgres = make_url(url).get_backend_name() == "postgresql"
        connect_args = pgbouncer_connect_args() if postgres else {}
        engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
        async with engine.connect() as connection:
            await connection.run_sync(_do_run, target_metadata)
        await engine.dispose()

    asyncio.run(run_async())
