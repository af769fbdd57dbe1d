from __future__ import annotations

from datetime import UTC, datetime

import httpx

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, FixedClock, create_indicator, item, post_values


class TestCompleteness:
    async def test_expected_received_on_time_late_and_missing(
        self, client: httpx.AsyncClient, org_tree: None, clock: FixedClock
    ) -> None:
        await create_indicator(client, "A1")
        await create_indicator(client, "A2")
        await create_indicator(client, "MONTHLY", periodicity="month")
        await create_indicator(client, "SURVEYED", source="survey")
        await create_indicator(client, "F", formula="A1 / A2")
        clock.now = datetime(2025, 7, 5, 20, 0, tzinfo=UTC)  # 23:00 on 5 July in Moscow: on time
        await post_values(client, [item("A1", "MUR-A", "2025Q2", 1)], MUR_OPERATOR, submit=True)
        clock.now = datetime(2025, 7, 5, 21, 0, tzinfo=UTC)  # midnight in Moscow: late
        await post_values(client, [item("A2", "MUR-A", "2025Q2", 1)], MUR_OPERATOR, submit=True)
        await post_values(client, [item("A1", "MUR-B", "2025Q2", 1)], MUR_OPERATOR)
        response = await client.get(
            "/v1/completeness", params={"region": "RU-MUR", "period": "2025Q2"}, headers=MUR_OPERATOR
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["organisations"], body["indicators"], body["expected"]) == (2, 2, 4)
        assert (body["received"], body["on_time"], body["late"], body["drafts"]) == (2, 1, 1, 1)
        assert body["completeness_pct"] == 50
        assert body["timeliness_pct"] == 25
        assert body["deadline"] == "2025-07-05"
        assert body["timezone"] == "Europe/Moscow"
        assert body["missing"] == [
            {"org_unit_code": "MUR-B", "indicator_code": "A1", "status": "draft"},
            {"org_unit_code": "MUR-B", "indicator_code": "A2", "status": "missing"},
        ]

    async def test_other_region_is_403_and_bad_query_422(self, client: httpx.AsyncClient, org_tree: None) -> None:
        params = {"region": "RU-MUR", "period": "2025Q2"}
        assert (await client.get("/v1/completeness", params=params, headers=KYA_ADMIN)).status_code == 403
        bad = await client.get("/v1/completeness", params={**params, "period": "2025Q9"}, headers=FEDERAL)
        assert bad.json()["errors"][0]["pointer"] == "/query/period"
        unknown = await client.get("/v1/completeness", params={**params, "region": "RU-XX"}, headers=FEDERAL)
        assert unknown.json()["errors"][0]["pointer"] == "/query/region"


class TestDeadlineRules:
    async def test_defaults_and_federal_override(self, client: httpx.AsyncClient, org_tree: None) -> None:
        rules = (await client.get("/v1/deadline-rules", headers=MUR_OPERATOR)).json()
        assert [(r["periodicity"], r["day_of_month"], r["is_default"]) for r in rules] == [
            ("month", 5, True),
            ("quarter", 5, True),
            ("year", 15, True),
        ]
        body = {"day_of_month": 10, "months_after": 1}
        national = await client.put("/v1/deadline-rules/quarter", json={**body, "owner": "RU"}, headers=MUR_ADMIN)
        assert national.status_code == 403 and national.json()["owner"] == "RU"
        response = await client.put("/v1/deadline-rules/quarter", json=body, headers=FEDERAL)
        assert response.status_code == 200
        assert response.json()[1]["description"] == "by the 10th day of the month after the period"
        completeness = await client.get(
            "/v1/completeness", params={"region": "RU-KYA", "period": "2025Q2"}, headers=FEDERAL
        )
        assert completeness.json()["deadline"] == "2025-07-10"
        assert completeness.json()["timezone"] == "Asia/Krasnoyarsk"
        assert completeness.json()["deadline_at"] == "2025-07-10T17:00:00Z"
