"""Demo content for ``make run``: the org-unit registry from ``data/demo/org_units.csv``, then the
indicator catalogue, targets and generated values (:mod:`kpi_api.demo_monitoring`), then reporting
obligations, population figures and the New-model report (:mod:`kpi_api.demo_reporting`).

Idempotent: an already loaded database is left as it is. Other features add their demo loaders here.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from kpi_api.demo_monitoring import load_monitoring_demo
from kpi_api.demo_reporting import load_reporting_demo
from kpi_api.org_units.importer import import_org_units
from kpi_api.org_units.repository import OrgUnitRepository
from zdrav_shared.auth import Principal, Role
from zdrav_shared.db import Database
from zdrav_shared.logging import get_logger

log = get_logger(__name__)

DEMO_PRINCIPAL = Principal(sub="demo-loader", roles=frozenset({Role.FEDERAL}), scope_org_units=frozenset({"RU"}))


def repo_root() -> Path:
    """The repository root (the folder holding ``data/``), found by walking up from this file."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "data" / "demo").is_dir():
            return parent
    raise FileNotFoundError("data/demo not found above " + str(Path(__file__)))


async def load_demo(database_url: str) -> None:
    """Load the demo registry into a migrated database."""
    database = Database.from_url(database_url)
    try:
        async with database.sessionmaker() as session:
            if await OrgUnitRepository(session).get("RU") is None:
                content = (repo_root() / "data" / "demo" / "org_units.csv").read_bytes()
                report = await import_org_units(session, DEMO_PRINCIPAL, content, dry_run=False)
                if report.errors:
                    raise RuntimeError(f"demo org units do not load: {report.errors}")
                log.info("demo_org_units_loaded", created=report.created)
            await session.commit()
        async with database.sessionmaker() as session:
            await load_monitoring_demo(session, DEMO_PRINCIPAL, repo_root() / "data" / "reference")
            await session.commit()
        async with database.sessionmaker() as session:
            await load_reporting_demo(session, DEMO_PRINCIPAL, repo_root() / "data" / "reference")
            await session.commit()
    finally:
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(load_demo(sys.argv[1]))
