"""Per-kiosk rate limiting: an in-process token bucket keyed by kiosk id (not by IP — kiosks in one
polyclinic share a NAT address, and one misbehaving device must not silence the others).

Each replica keeps its own buckets, so with N replicas a kiosk may send up to N times the limit;
an exact limit across replicas needs a shared store (Redis, or a PostgreSQL table) — see the
service README.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

MAX_BUCKETS = 100_000


class TokenBucketLimiter:
    def __init__(self, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> int | None:
        """Spend one token; None when allowed, else the whole seconds to wait (for Retry-After)."""
        now = self.clock()
        tokens, stamp = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))
        if len(self._buckets) >= MAX_BUCKETS and key not in self._buckets:
            self._forget_full(now)
        self._buckets[key] = (tokens - 1, now)
        return None

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping it bounds memory.
        refill = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}
