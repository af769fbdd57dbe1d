"""Successful kiosk authentications, cached per process.

Every kiosk batch and every kiosk response starts with the token check; a database look-up there
costs more CPU than ingesting hundreds of items. A kiosk's campaign and org unit never change, only
its revocation does, so a short TTL (``SURVEY_KIOSK_CACHE_TTL_S``) bounds how long another replica may
keep accepting a token revoked elsewhere — the same trade-off as the campaign cache. The replica that
revokes drops the entry at once.

Only successes are cached: an unknown or revoked token always goes to the database, so guessing
tokens cannot fill memory and a newly registered kiosk works at once. Entries are keyed by the
token's SHA-256, never by the token itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class AuthenticatedKiosk:
    """What a request needs of the kiosk that sent it: who it is and what it may post for."""

    id: str
    campaign_code: str
    org_unit_code: str


class KioskTokenCache:
    def __init__(
        self, ttl_s: float, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        # token hash → (expires at, kiosk); None marks a token just revoked here (see invalidate).
        # Every entry lives ttl_s and is (re)inserted at the end, so the dict is in expiry order:
        # the expired entries are a prefix, and the first entry is the oldest.
        self._entries: dict[str, tuple[float, AuthenticatedKiosk | None]] = {}

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get(self, token_hash: str) -> AuthenticatedKiosk | None:
        """The cached kiosk of this token while fresh; None means "ask the database"."""
        cached = self._entries.get(token_hash)
        return cached[1] if cached is not None and cached[0] > self.clock() else None

    def put(self, token_hash: str, kiosk: AuthenticatedKiosk) -> None:
        """Remember a successful authentication (never call it for a refused token)."""
        if not self.enabled:
            return
        now = self.clock()
        barred = self._entries.get(token_hash)
        if barred is not None and barred[1] is None and barred[0] > now:
            return
        self._store(token_hash, kiosk, now)

    def invalidate(self, token_hash: str) -> None:
        """Forget a token whose kiosk was revoked, and keep it out of the cache for one TTL.

        The revocation commits after this call; a request of the same kiosk that reads the row in
        between still sees it valid, and caching that would let this replica accept the token for
        another TTL. Barring the hash makes such a request go to the database until then.
        """
        if self.enabled:
            self._store(token_hash, None, self.clock())

    def __len__(self) -> int:
        return len(self._entries)

    def _store(self, token_hash: str, kiosk: AuthenticatedKiosk | None, now: float) -> None:
        self._entries.pop(token_hash, None)
        self._make_room(now)
        self._entries[token_hash] = (now + self.ttl_s, kiosk)

    def _make_room(self, now: float) -> None:
        entries = self._entries
        while entries:
            oldest = next(iter(entries))
            if entries[oldest][0] > now and len(entries) < self.max_entries:
                return
            del entries[oldest]
