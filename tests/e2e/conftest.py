from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from stack import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The three services on PostgreSQL, started once for the session."""
    running = Stack(Path(tmp_path_factory.mktemp("stack")))
    running.create()
    try:
        running.start()
        yield running
    finally:
        running.drop()
