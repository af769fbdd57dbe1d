from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgcluster import PgBouncer
from sqlalchemy.engine import make_url
from stack import Stack

from zdrav_shared.testing import postgres_admin_url

REPORT_BUDGET_S = 2.0
DETRACTOR_SECRET = "e2e-detractor-webhook-secret-0123456789"
"""roadmap-api's ``ROADMAP_DETRACTOR_WEBHOOK_SECRET``: survey-api's subscription signs with it."""
LEGS = ("direct", "pgbouncer")
"""Every end-to-end test runs twice: the services on PostgreSQL directly, and through PgBouncer in
transaction mode (``<P>_DATABASE_PGBOUNCER=true``), as docker-compose.yml and the k8s overlays run them.
Without the setting the services cannot even start through PgBouncer (it refuses the
``statement_timeout`` startup parameter); with it, every statement is unnamed (zdrav_shared.db)."""


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (str(p) for p in (Path("/usr/sbin/pgbouncer"), Path("/usr/bin/pgbouncer")) if p.is_file()), None
    )


@pytest.fixture(scope="session")
def pgbouncer(request: pytest.FixtureRequest) -> Iterator[PgBouncer | None]:
    """PgBouncer in front of the test server, for the ``pgbouncer`` leg (None on the direct one)."""
    if request.param == "direct":
        yield None
        return
    binary = pgbouncer_binary()
    if binary is None:
        if os.environ.get("ZDRAV_REQUIRE_POSTGRES"):
            pytest.fail("pgbouncer is not installed (apt-get install pgbouncer): the PgBouncer leg is required")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    bouncer = PgBouncer(binary, upstream_port=make_url(postgres_admin_url()).port or 5432)
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, pgbouncer: PgBouncer | None) -> Iterator[Stack]:
    """The three services on PostgreSQL, started once per leg."""
    running = Stack(Path(tmp_path_factory.mktemp("stack")))
    # Pulled values are refreshed by the tests themselves; the report waits 2 s for a peer.
    running.extra_env.update({"KPI_SOURCE_REFRESH_INTERVAL_S": "0", "KPI_REPORT_PEER_BUDGET_S": str(REPORT_BUDGET_S)})
    # The detractor loop (survey-api → roadmap-api) as `make run` wires it: the receiver has its secret,
    # and survey-api may deliver to 127.0.0.1 (its worker polls every second, the default). Nothing is
    # delivered until a test subscribes.
    running.extra_env.update({"ROADMAP_DETRACTOR_WEBHOOK_SECRET": DETRACTOR_SECRET, "ZDRAV_WEBHOOK_ALLOW": "127.0.0.1"})
    if pgbouncer is not None:
        running.service_url = pgbouncer.url  # the migrations go through it too, as the k8s Jobs do
        running.extra_env.update({f"{p}_DATABASE_PGBOUNCER": "true" for p in ("KPI", "SURVEY", "ROADMAP")})
    running.create()
    try:
        running.start()
        yield running
    finally:
        running.drop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pgbouncer" in metafunc.fixturenames:
        metafunc.parametrize("pgbouncer", LEGS, indirect=True, scope="session")
