"""The target-setting helper: current + 25 % of the gap to the long-term level, both directions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, KYA_ADMIN, MUR_ANALYST, create_indicator, item, post_values

pytestmark = pytest.mark.usefixtures("org_tree")


async def suggest(
    client: httpx.AsyncClient, code: str, status: int = 200, headers: dict[str, str] = MUR_ANALYST, **params: Any
) -> Any:
    response = await client.get(f"/v1/indicators/{code}/suggested-target", params=params, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


async def _values(client: httpx.AsyncClient) -> None:
    await create_indicator(client, "SHARE", unit="%", aggregation="average", precision=2)
    await create_indicator(client, "WAIT", unit="минут", direction="lower_is_better", aggregation="average")
    await post_values(
        client,
        [
            item("SHARE", "MUR-A", "2025Q2", 60),
            item("SHARE", "MUR-B", "2025Q2", 80),
            item("WAIT", "MUR-A", "2025Q2", 30),
            item("WAIT", "MUR-B", "2025Q2", 8),
        ],
        submit=True,
    )


class TestSuggestedTarget:
    async def test_higher_is_better_closes_a_quarter_of_the_gap(self, client: httpx.AsyncClient) -> None:
        await _values(client)
        answer = await suggest(client, "SHARE", org_unit="MUR-A", period="2025Q2", long_term=90)
        assert (answer["current"], answer["long_term"], answer["suggested_target"]) == (60, 90, 67.5)
        assert answer["long_term_source"] == "query" and answer["gap_share"] == 0.25
        # The region: the average of 60 and 80 is 70 → 70 + 0.25 × 20 = 75.
        assert (await suggest(client, "SHARE", org_unit="RU-MUR", period="2025Q2", long_term=90))[
            "suggested_target"
        ] == 75
        # At or above the long-term level the target stays where it is.
        assert (await suggest(client, "SHARE", org_unit="MUR-B", period="2025Q2", long_term=75))[
            "suggested_target"
        ] == 80

    async def test_lower_is_better_closes_the_gap_downwards(self, client: httpx.AsyncClient) -> None:
        await _values(client)
        answer = await suggest(client, "WAIT", org_unit="MUR-A", period="2025Q2", long_term=10)
        assert (answer["direction"], answer["suggested_target"]) == ("lower_is_better", 25)  # 30 − 0.25 × 20
        assert (await suggest(client, "WAIT", org_unit="MUR-B", period="2025Q2", long_term=10))["suggested_target"] == 8

    async def test_long_term_level_from_the_furthest_target(self, client: httpx.AsyncClient) -> None:
        await _values(client)
        items = [
            {"org_unit_code": "MUR-A", "period": "2025", "target": 90},
            {"org_unit_code": "MUR-A", "period": "2026", "target": 95},
        ]
        put = await client.put("/v1/indicators/SHARE/targets", json={"items": items}, headers=FEDERAL)
        assert put.status_code == 200, put.text
        answer = await suggest(client, "SHARE", org_unit="MUR-A", period="2025Q2")
        # 60 + 0.25 × (95 − 60) = 68.75
        assert (answer["long_term"], answer["long_term_source"], answer["suggested_target"]) == (
            95,
            "target:2026",
            68.75,
        )

    async def test_what_cannot_be_suggested(self, client: httpx.AsyncClient) -> None:
        await _values(client)
        missing = await suggest(client, "SHARE", 422, org_unit="MUR-A", period="2025Q2")
        assert missing["errors"][0]["pointer"] == "/query/long_term"
        empty = await suggest(client, "SHARE", org_unit="MUR-A", period="2025Q1", long_term=90)
        assert empty["current"] is None and empty["suggested_target"] is None and empty["current_reason"] == "no_data"
        await suggest(client, "SHARE", 403, headers=KYA_ADMIN, org_unit="MUR-A", period="2025Q2", long_term=90)
        await suggest(client, "NOPE", 404, org_unit="MUR-A", period="2025Q2", long_term=90)
        bad = await suggest(client, "SHARE", 422, org_unit="MUR-A", period="2025Q5", long_term=90)
        assert bad["errors"][0]["pointer"] == "/query/period"
        await suggest(client, "SHARE", 422, org_unit="MUR-A", period="2025Q2", long_term="nan")
