from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from stack import Stack

REPORT_BUDGET_S = 2.0


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The three services on PostgreSQL, started once for the session."""
    running = Stack(Path(tmp_path_factory.mktemp("stack")))
    # Pulled values are refreshed by the tests themselves; the report waits 2 s for a peer.
    running.extra_env.update({"KPI_SOURCE_REFRESH_INTERVAL_S": "0", "KPI_REPORT_PEER_BUDGET_S": str(REPORT_BUDGET_S)})
    running.create()
    try:
        running.start()
        yield running
    finally:
        running.drop()
