"""Fixtures shared by the roadmap-api unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest


def find_reference_dir(start: Path) -> Path:
    """Walk up from ``start`` to the repository root holding ``data/reference``.

    Tests read the copy in the repository, never the shared originals, so they run anywhere the
    repository is checked out.
    """
    for directory in [start, *start.parents]:
        candidate = directory / "data" / "reference"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no data/reference above {start}")


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return find_reference_dir(Path(__file__).resolve().parent)
