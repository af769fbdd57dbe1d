"""Exit 0 when the PostgreSQL server for the test leg (TEST_DATABASE_URL) answers, 1 otherwise."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from zdrav_shared.testing import postgres_admin_url


async def check() -> bool:
    engine = create_async_engine(postgres_admin_url(), connect_args={"timeout": 3})
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any failure means: no PostgreSQL leg
        print(f"PostgreSQL not reachable at {postgres_admin_url()}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return False
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(check()) else 1)
