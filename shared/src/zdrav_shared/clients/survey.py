"""survey-api seen from another service (kpi-api's quarterly report pulls its aggregates)."""

from __future__ import annotations

from zdrav_shared.contracts.survey import AggregateGroupBy, SurveyAggregates
from zdrav_shared.http_client import ServiceClient


class SurveyClient:
    """Typed calls to survey-api."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def aggregates(
        self,
        campaign: str,
        org_unit: str,
        period: str,
        *,
        group_by: AggregateGroupBy | None = None,
        timeout_s: float | None = None,
    ) -> SurveyAggregates | None:
        """Satisfaction and NPS figures of ``org_unit``'s subtree in ``campaign`` for ``period``.

        None when survey-api does not know the campaign or the org unit; raises
        :class:`~zdrav_shared.http_client.PeerUnavailable` when survey-api does not answer in time.
        """
        params = {"campaign": campaign, "org_unit": org_unit, "period": period}
        if group_by is not None:
            params["group_by"] = group_by.value
        return await self.client.get_model("/v1/aggregates", SurveyAggregates, params=params, timeout_s=timeout_s)
