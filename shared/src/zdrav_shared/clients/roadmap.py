"""roadmap-api seen from another service: kpi-api pulls the plan-execution and detractor follow-up
figures of regions; a service may open a detractor's follow-up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from zdrav_shared.contracts.execution import RegionExecution, RegionsExecution
from zdrav_shared.contracts.followups import FollowupSummary
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

    async def followup_summary(
        self, period: str, region: str | None = None, *, by_org_unit: bool = False, timeout_s: float | None = None
    ) -> FollowupSummary:
        """The detractor follow-up figures of ``period`` (every region, or ``region``), per org unit too
        with ``by_org_unit``. Raises like :meth:`regions_execution`."""
        params = {"period": period}
        if region:
            params["region"] = region
        if by_org_unit:
            params["group_by"] = "org_unit"
        answer = await self.client.get_model(
            "/v1/followups/summary", FollowupSummary, params=params, timeout_s=timeout_s
        )
        if answer is None:
            raise PeerError(self.client.target, 404, "roadmap-api does not serve /v1/followups/summary")
        return answer

    async def open_detractor_followup(
        self, detractor: Mapping[str, Any], *, timeout_s: float | None = None
    ) -> dict[str, Any]:
        """Open the follow-up of a detractor (the ``data`` of a ``response.detractor`` event) with the
        service token; idempotent by ``response_id`` (a repeat answers the same follow-up), so the POST
        is retried."""
        response = await self.client.request(
            "POST", "/v1/followups", json=dict(detractor), timeout_s=timeout_s, idempotent=True
        )
        if response.status_code >= 400:
            raise PeerError(self.client.target, response.status_code, response.text)
        answer: dict[str, Any] = response.json()
        return answer
