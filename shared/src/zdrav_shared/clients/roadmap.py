"""roadmap-api seen from another service (kpi-api pulls the plan-execution figures of regions)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from zdrav_shared.contracts.execution import RegionExecution, RegionsExecution
from zdrav_shared.http_client import PeerError, ServiceClient


class RoadmapClient:
    """Typed calls to roadmap-api."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def region_execution(
        self, region_code: str, as_of: date, *, timeout_s: float | None = None
    ) -> RegionExecution | None:
        """Execution of one region's roadmaps as of a day (None when roadmap-api answers 404)."""
        return await self.client.get_model(
            f"/v1/regions/{region_code}/execution",
            RegionExecution,
            params={"as_of": as_of.isoformat()},
            timeout_s=timeout_s,
        )

    async def regions_execution(
        self, as_of: date, regions: Sequence[str] | None = None, *, timeout_s: float | None = None
    ) -> RegionsExecution:
        """Execution of every region's roadmaps (or of ``regions``) in one call.

        Raises :class:`~zdrav_shared.http_client.PeerUnavailable` when roadmap-api does not answer in
        time and :class:`~zdrav_shared.http_client.PeerError` when it refuses the request.
        """
        params = {"as_of": as_of.isoformat()}
        if regions:
            params["regions"] = ",".join(regions)
        answer = await self.client.get_model(
            "/v1/execution/regions", RegionsExecution, params=params, timeout_s=timeout_s
        )
        if answer is None:
            raise PeerError(self.client.target, 404, "roadmap-api does not serve /v1/execution/regions")
        return answer
