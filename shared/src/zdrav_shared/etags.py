"""Optimistic concurrency: ETags built from a row's version and the ``If-Match`` check."""

from __future__ import annotations

from zdrav_shared.problems import Conflict


def etag(version: int) -> str:
    """The (weak) ETag of a row at ``version``."""
    return f'W/"{version}"'


def check_if_match(if_match: str | None, current_version: int) -> None:
    """Refuse a write made against an older version. Without ``If-Match`` the write applies."""
    if if_match is None or if_match.strip() == "*":
        return
    candidates = [c.strip() for c in if_match.split(",")]
    accepted = {etag(current_version), f'"{current_version}"', str(current_version)}
    if not any(c in accepted for c in candidates):
        raise Conflict(
            f"the resource changed since you read it (now at version {current_version}); read it again and retry",
            current_etag=etag(current_version),
        )
