"""Writes that do not lose updates: every change of a roadmap or a task is a compare-and-set.

``Roadmap`` and ``Task`` map their ``version`` column as SQLAlchemy's ``version_id_col``: the UPDATE
that writes a change says ``WHERE id = :id AND version = :version_read`` and sets the next version in
the same statement, and a row count of 0 (someone else wrote first) raises ``StaleDataError``. So:

* with ``If-Match``, the version read must be the one the client names (409 otherwise), and a
  concurrent writer that got there first makes the UPDATE miss: 409 with the current ETag, and
  nothing of the losing request is kept (its journal entries roll back with it) — of 16 writers with
  the same ETag exactly one wins;
* without ``If-Match`` the contract says the update applies: the use case is run again on the fresh
  row (its rules checked again), until it wins. Every write sets a new version, so two different
  states never share an ETag.

A use case passed to :func:`compare_and_set` must be the request's only write so far: a lost race
rolls the request's transaction back before the retry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from zdrav_shared.etags import check_if_match, etag
from zdrav_shared.problems import Conflict

T = TypeVar("T")

# Each lost race means another writer committed, so the loop always makes progress; the bound only
# guards against a pathological storm.
MAX_ATTEMPTS = 50


class StaleVersion(Conflict):
    slug = "stale-version"
    title = "The resource changed since you read it"

    def __init__(self, what: str, current_version: int | None) -> None:
        current = etag(current_version) if current_version is not None else None
        super().__init__(
            f"{what} changed since you read it"
            + (f" (now at version {current_version})" if current_version is not None else "")
            + "; read it again and retry",
            headers={"ETag": current} if current else None,
            current_etag=current,
            reason="stale_version",
        )


def require_version(if_match: str | None, current_version: int, what: str) -> None:
    """409 with the current ETag unless ``If-Match`` (when given) names ``current_version``."""
    try:
        check_if_match(if_match, current_version)
    except Conflict as error:
        raise StaleVersion(what, current_version) from error


def is_conditional(if_match: str | None) -> bool:
    return if_match is not None and if_match.strip() != "*"


async def compare_and_set(
    session: AsyncSession,
    attempt: Callable[[], Awaitable[T]],
    *,
    if_match: str | None,
    current_version: Callable[[], Awaitable[int | None]],
    what: str,
) -> T:
    """Run ``attempt`` (load, check, change, flush); a lost race is a 409 with ``If-Match`` and a
    retry on the fresh row without it."""
    for _ in range(MAX_ATTEMPTS):
        try:
            return await attempt()
        except StaleDataError:
            await session.rollback()
            if is_conditional(if_match):
                raise StaleVersion(what, await current_version()) from None
    raise StaleVersion(what, await current_version())
