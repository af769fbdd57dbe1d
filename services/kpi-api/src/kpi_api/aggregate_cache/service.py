"""Analytics' aggregates through the cache: read the generations, then the cache; compute what is
missing or stale with analytics' own SQL; store it with the generations read first (see the package)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kpi_api.aggregate_cache import generations
from kpi_api.aggregate_cache.repository import Key, load, row, store
from kpi_api.aggregate_cache.rules import generation_at, generation_keys, methods_key, statuses_key
from kpi_api.analytics.repository import Aggregate, AnalyticsRepository, Methods, Window
from kpi_api.models import OrgUnit
from kpi_api.org_units.filters import UnitFilter
from kpi_api.scope import Scope
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.logging import get_logger
from zdrav_shared.replica import SOURCE_KEY, WRITER_KEY

log = get_logger(__name__)

ROLLUP_LEVELS = frozenset({OrgUnitLevel.FEDERATION, OrgUnitLevel.REGION, OrgUnitLevel.MUNICIPALITY})
"""Roots whose figures are kept: those rolling up many units' values. An organisation's figure reads its
own few values through the index, as cheaply as the cache would, and keeping one per organisation would
multiply the cache's size by the ~300 organisations of a region."""


def _writer(session: AsyncSession) -> async_sessionmaker[AsyncSession] | None:
    """Where the cache is written: the primary. None when it is known to be unreachable (a replica
    that lags answers because the primary did not)."""
    if session.info.get(SOURCE_KEY) == "replica_behind":
        return None
    writer: async_sessionmaker[AsyncSession] | None = session.info.get(WRITER_KEY)
    return writer or async_sessionmaker(session.bind, expire_on_commit=False)


def _wanted(
    current: Mapping[int, Mapping[str, int]], indicator_ids: Sequence[int], roots: Sequence[OrgUnit]
) -> dict[tuple[int, int], int]:
    """The generation each (indicator, root) figure must have been computed at to be served: each root's
    generation keys worked out once, not for each of its indicators (thousands of pairs an answer)."""
    keys_of = [(root.id, root.path, generation_keys(root.path)) for root in roots]
    wanted: dict[tuple[int, int], int] = {}
    for i in indicator_ids:
        known = current.get(i, {})
        for root_id, path, keys in keys_of:
            wanted[(i, root_id)] = generation_at(path, keys, known)
    return wanted


class CachedAggregates:
    """``AnalyticsRepository.aggregate`` with its results kept between requests."""

    def __init__(self, session: AsyncSession, repo: AnalyticsRepository) -> None:
        self.session = session
        self.repo = repo

    async def aggregate(
        self,
        groups: Mapping[Methods, Sequence[int]],
        roots: Sequence[OrgUnit],
        window: Window,
        scope: Scope,
        statuses: tuple[str, ...] | None = None,
        unit_filter: UnitFilter | None = None,
    ) -> list[Aggregate]:
        """As ``AnalyticsRepository.aggregate``. The cache serves whole subtrees of committed values only:
        not for a filter on the units, a root whose subtree the caller sees only in part, or a session
        that has written values of its own in its open transaction."""
        if (
            not roots
            or not any(groups.values())
            or unit_filter is not None
            or generations.has_written(self.session)
            or not all(scope.covers_path(root.path) for root in roots)
        ):
            return await self.repo.aggregate(groups, roots, window, scope, statuses, unit_filter)
        kept = [r for r in roots if r.level in ROLLUP_LEVELS]
        leaves = [r for r in roots if r.level not in ROLLUP_LEVELS]
        found = await self.repo.aggregate(groups, leaves, window, scope, statuses) if leaves else []
        if kept:
            found += await self._through_cache(groups, kept, window, scope, statuses)
        return found

    async def _through_cache(
        self,
        groups: Mapping[Methods, Sequence[int]],
        roots: Sequence[OrgUnit],
        window: Window,
        scope: Scope,
        statuses: tuple[str, ...] | None,
    ) -> list[Aggregate]:
        methods_of = {i: methods_key(m.over_units, m.over_time, m.level) for m, ids in groups.items() for i in ids}
        # First the generations, then the cache and the values (see the package's docstring).
        current = await generations.read(self.session, list(methods_of), window.year)
        wanted = _wanted(current, list(methods_of), roots)
        key = Key(window, statuses_key(statuses))
        cached = await load(self.session, key, list(methods_of), [r.id for r in roots])
        found: list[Aggregate] = []
        missing: set[tuple[int, int]] = set()
        for (i, root_id), generation in wanted.items():
            entry = cached.get((i, root_id, methods_of[i]))
            if entry is None or entry.generation != generation:
                missing.add((i, root_id))
            elif entry.aggregate is not None:
                found.append(entry.aggregate)
        if not missing:
            return found
        # Recompute every missing indicator over every root missing one: a little more than missing, in
        # one pass of analytics' statements rather than one per root.
        missing_ids = {i for i, _ in missing}
        missing_roots = [r for r in roots if any((i, r.id) in missing for i in missing_ids)]
        subset = {m: [i for i in ids if i in missing_ids] for m, ids in groups.items()}
        computed = await self.repo.aggregate(subset, missing_roots, window, scope, statuses)
        by_key = {(a.indicator_id, a.root_id): a for a in computed}
        found = [a for a in found if (a.indicator_id, a.root_id) not in by_key] + computed
        rows = [
            row(i, r.id, methods_of[i], wanted[(i, r.id)], by_key.get((i, r.id)))
            for i in sorted(missing_ids)
            for r in missing_roots
        ]
        await self._store(key, rows)
        return found

    async def _store(self, key: Key, rows: list[dict[str, Any]]) -> None:
        writer = _writer(self.session)
        if writer is None:
            return
        try:
            async with writer() as session:
                await store(session, key, rows)
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            # The answer is already computed; a cache not written now is written by a later request.
            log.warning("aggregate_cache_not_written", rows=len(rows), error=type(error).__name__)
