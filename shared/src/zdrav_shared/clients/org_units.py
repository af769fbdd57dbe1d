"""kpi-api's org-unit registry seen from another service, with a short cache."""

from __future__ import annotations

import time
from urllib.parse import quote

from zdrav_shared.contracts.org_units import OrgUnitRef
from zdrav_shared.http_client import ServiceClient


class OrgUnitClient:
    """Looks org units up by code. Answers (including "no such unit") are cached for a short
    time: codes change rarely, and a kiosk batch should not cost a round trip per response."""

    def __init__(self, client: ServiceClient, ttl_s: float = 60.0, negative_ttl_s: float = 10.0) -> None:
        self.client = client
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self._cache: dict[str, tuple[float, OrgUnitRef | None]] = {}

    async def get(self, code: str) -> OrgUnitRef | None:
        """The org unit, or None when kpi-api does not know the code."""
        now = time.monotonic()
        cached = self._cache.get(code)
        if cached is not None and cached[0] > now:
            return cached[1]
        unit = await self.client.get_model(f"/v1/org-units/{quote(code, safe='')}", OrgUnitRef)
        self._cache[code] = (now + (self.ttl_s if unit is not None else self.negative_ttl_s), unit)
        return unit

    async def exists(self, code: str) -> bool:
        return await self.get(code) is not None

    def invalidate(self, code: str | None = None) -> None:
        if code is None:
            self._cache.clear()
        else:
            self._cache.pop(code, None)
