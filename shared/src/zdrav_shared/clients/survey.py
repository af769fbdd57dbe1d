"""survey-api seen from another service (kpi-api pulls its aggregates for indicators and the report)."""

from __future__ import annotations

from collections.abc import Sequence

from zdrav_shared.contracts.survey import AggregateGroupBy, OrgUnitAggregates, SurveyAggregates
from zdrav_shared.http_client import PeerError, ServiceClient


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

    async def org_unit_aggregates(
        self,
        org_units: Sequence[str],
        period: str,
        *,
        campaign: str | None = None,
        questionnaire: str | None = None,
        purpose: str | None = None,
        timeout_s: float | None = None,
    ) -> OrgUnitAggregates:
        """Figures of several org units' subtrees at once, over ``campaign`` or, without one, every
        campaign of ``questionnaire`` (survey-api's default: the national ``nsi-standard``) whose dates
        overlap the period, of one ``purpose`` (``self_assessment``, ``monitoring``) if given.

        Raises :class:`~zdrav_shared.http_client.PeerUnavailable` when survey-api does not answer in
        time and :class:`~zdrav_shared.http_client.PeerError` when it refuses the request (an
        unknown campaign is a 404).
        """
        params = {"org_units": ",".join(org_units), "period": period}
        if campaign is not None:
            params["campaign"] = campaign
        if questionnaire is not None:
            params["questionnaire"] = questionnaire
        if purpose is not None:
            params["purpose"] = purpose
        answer = await self.client.get_model(
            "/v1/aggregates/org-units", OrgUnitAggregates, params=params, timeout_s=timeout_s
        )
        if answer is None:
            raise PeerError(self.client.target, 404, f"campaign {campaign} is unknown")
        return answer
