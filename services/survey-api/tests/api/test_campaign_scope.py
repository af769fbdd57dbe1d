"""Regression: GET /v1/campaigns/{code} showed any region's campaign to a regional caller while the
list hid it (found by tests/security/test_authz_matrix.py). It is a 404 now, as for an unknown code."""

from __future__ import annotations

import httpx

from .conftest import ANALYST, FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, create_campaign

KYA_ONLY = ("KYA-GP4",)


async def test_a_campaign_outside_the_callers_scope_is_404(client: httpx.AsyncClient) -> None:
    await create_campaign(client, code="kya-2025", units=KYA_ONLY)
    for headers in (MUR_ADMIN, MUR_OPERATOR):
        response = await client.get("/v1/campaigns/kya-2025", headers=headers)
        assert response.status_code == 404, response.text
        assert response.json()["status"] == 404
    for headers in (FEDERAL, KYA_ADMIN, ANALYST):  # ANALYST is scoped to RU in this suite
        assert (await client.get("/v1/campaigns/kya-2025", headers=headers)).status_code == 200


async def test_a_campaign_spanning_both_regions_is_visible_to_each(client: httpx.AsyncClient) -> None:
    await create_campaign(client, code="both-2025", units=("MUR-GP1", "KYA-GP4"))
    for headers in (MUR_ADMIN, KYA_ADMIN, MUR_OPERATOR):
        assert (await client.get("/v1/campaigns/both-2025", headers=headers)).status_code == 200
