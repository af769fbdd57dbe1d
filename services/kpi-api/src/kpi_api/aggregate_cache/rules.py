"""Pure rules of the aggregate cache: which generations a root's figures depend on, and its keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

REGION_DEPTH = 2
"""A generation is kept per region: the first two levels of a path (``/RU/RU-MOW/``)."""


def region_path(path: str) -> str:
    """The generation key of a unit's values: its path cut to the region (the federation: ``/RU/``)."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts[:REGION_DEPTH]) + "/"


def root_generation(root_path: str, generations: Mapping[str, int]) -> int:
    """The sum of the generations of the regions a root's figures read: its own region's and the
    federation's when the root is at or below a region, all of them below it when it is above one.

    A write anywhere in the root's subtree bumps one of these, and the sum only grows: the sum is
    unchanged exactly when no value the root reads has changed. (A write at an ancestor outside the
    subtree may bump one too: that only costs a recomputation.)"""
    return generation_at(root_path, generation_keys(root_path), generations)


def generation_at(root_path: str, keys: tuple[str, ...] | None, generations: Mapping[str, int]) -> int:
    """:func:`root_generation` with the root's :func:`generation_keys` worked out already (once per root
    of an answer, then used for each of its indicators)."""
    if keys is not None:
        return sum(generations.get(key, 0) for key in keys)
    return sum(g for key, g in generations.items() if root_path.startswith(key) or key.startswith(root_path))


def generation_keys(root_path: str) -> tuple[str, ...] | None:
    """The generation keys a root at or below a region reads — the prefixes of its path down to the
    region — or None for a root above a region (every key below it counts: :func:`root_generation`)."""
    parts = [p for p in root_path.split("/") if p]
    if len(parts) < REGION_DEPTH:
        return None
    return tuple("/" + "/".join(parts[:depth]) + "/" for depth in range(1, REGION_DEPTH + 1))


def statuses_key(statuses: Iterable[str] | None) -> str:
    """The statuses read, as a key: sorted and comma-separated, ``*`` for all."""
    return "*" if statuses is None else ",".join(sorted(set(statuses)))


def methods_key(over_units: str, over_time: str | None, level: str | None) -> str:
    return f"{over_units}|{over_time or ''}|{level or ''}"
