"""Monitoring levels of the national method (core fixed once set, supplementary_mandatory once approved,
auxiliary open) and control indicators whose miss of the annual target raises an alert."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, KYA_ADMIN, MUR_ANALYST, create_indicator, item, post_values

pytestmark = pytest.mark.usefixtures("org_tree")


async def patch(client: httpx.AsyncClient, code: str, body: dict[str, Any], status: int) -> Any:
    response = await client.patch(f"/v1/indicators/{code}", json=body, headers=FEDERAL)
    assert response.status_code == status, response.text
    return response.json()


class TestMonitoringLevels:
    async def test_a_core_indicator_is_fixed_once_set(self, client: httpx.AsyncClient) -> None:
        created = await create_indicator(client, "CORE_WAIT", unit="дней", monitoring_level="core")
        assert created["monitoring_level"] == "core"
        refused = await patch(client, "CORE_WAIT", {"unit": "часов", "reason": "уточнение"}, 409)
        assert (refused["reason"], refused["pointer"]) == ("core_fixed", "/unit")
        assert "core monitoring indicator" in refused["detail"]
        level = await patch(client, "CORE_WAIT", {"monitoring_level": "auxiliary"}, 409)
        assert (level["reason"], level["pointer"]) == ("core_fixed", "/monitoring_level")
        off = await patch(client, "CORE_WAIT", {"active": False, "reason": "не нужен"}, 409)
        assert (off["reason"], off["pointer"]) == ("core_fixed", "/active")
        # What does not change the meaning stays open, and a field sent as it is changes nothing.
        renamed = await patch(client, "CORE_WAIT", {"name_en": "Waiting days", "unit": "дней"}, 200)
        assert (renamed["name_en"], renamed["unit"]) == ("Waiting days", "дней")
        history = (await client.get("/v1/indicators/CORE_WAIT/history", headers=FEDERAL)).json()
        assert [h["action"] for h in history] == ["created", "updated"]

    async def test_supplementary_mandatory_is_fixed_once_approved(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "SUPP", unit="%", monitoring_level="supplementary_mandatory")
        assert (await patch(client, "SUPP", {"unit": "доля"}, 200))["unit"] == "доля"
        approved = await client.post("/v1/indicators/SUPP/approval", json={"reason": "приказ"}, headers=FEDERAL)
        assert approved.status_code == 200, approved.text
        assert approved.json()["approved_at"] is not None
        refused = await patch(client, "SUPP", {"direction": "lower_is_better"}, 409)
        assert (refused["reason"], refused["pointer"]) == ("approved_fixed", "/direction")
        off = await patch(client, "SUPP", {"active": False}, 409)
        assert (off["reason"], off["pointer"]) == ("approved_fixed", "/active")
        not_owner = await client.post("/v1/indicators/SUPP/approval", json={}, headers=KYA_ADMIN)
        assert not_owner.status_code == 403

    async def test_an_auxiliary_indicator_stays_open(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "AUX", unit="%", monitoring_level="auxiliary")
        await client.post("/v1/indicators/AUX/approval", json={}, headers=FEDERAL)
        assert (await patch(client, "AUX", {"unit": "доля", "share_form": "fraction"}, 200))["share_form"] == "fraction"

    async def test_unknown_level_is_422(self, client: httpx.AsyncClient) -> None:
        body = {
            "code": "BAD",
            "name_ru": "x",
            "unit": "%",
            "kind": "input",
            "direction": "higher_is_better",
            "periodicity": "year",
            "monitoring_level": "main",
        }
        answer = await client.post("/v1/indicators", json=body, headers=FEDERAL)
        assert answer.status_code == 422 and "monitoring_level" in answer.text


class TestControlAlerts:
    async def test_a_missed_annual_target_raises_an_alert(self, client: httpx.AsyncClient) -> None:
        annual = {"periodicity": "year", "aggregation": "average", "unit": "%"}
        await create_indicator(client, "CTRL_MISS", control=True, **annual)
        await create_indicator(client, "CTRL_MET", control=True, **annual)
        await create_indicator(client, "PLAIN_MISS", **annual)
        for code, target in (("CTRL_MISS", 80), ("CTRL_MET", 50), ("PLAIN_MISS", 80)):
            put = await client.put(
                f"/v1/indicators/{code}/targets",
                json={"items": [{"org_unit_code": "RU-MUR", "period": "2025", "target": target}]},
                headers=FEDERAL,
            )
            assert put.status_code == 200, put.text
        values = [
            item("CTRL_MISS", "MUR-A", "2025", 70),
            item("CTRL_MISS", "MUR-B", "2025", 74),
            item("CTRL_MET", "MUR-A", "2025", 60),
            item("PLAIN_MISS", "MUR-A", "2025", 10),
        ]
        results = await post_values(client, values, submit=True)
        assert all(r["status"] != "rejected" for r in results), results
        answer = await client.get("/v1/alerts", params={"region": "RU-MUR", "year": 2025}, headers=MUR_ANALYST)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["region"], body["year"], body["control_indicators"]) == ("RU-MUR", 2025, 2)
        # The region's figure: the average of 70 and 74 = 72 against 80: −8, −10 %, attainment 0.9 → at_risk.
        [alert] = body["alerts"]
        assert (alert["indicator_code"], alert["kind"], alert["value"], alert["target"]) == (
            "CTRL_MISS",
            "control_target_missed",
            72,
            80,
        )
        assert (alert["deviation"], alert["deviation_pct"], alert["status"]) == (-8, -10, "at_risk")
        assert (await client.get("/v1/alerts", params={"region": "RU-MUR", "year": 2024}, headers=FEDERAL)).json()[
            "alerts"
        ] == []

    async def test_bad_questions(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "CTRL", control=True, periodicity="year")
        other = await client.get("/v1/alerts", params={"region": "RU-MUR", "year": 2025}, headers=KYA_ADMIN)
        assert other.status_code == 403
        not_region = await client.get("/v1/alerts", params={"region": "MUR-A", "year": 2025}, headers=FEDERAL)
        assert not_region.status_code == 422 and not_region.json()["errors"][0]["pointer"] == "/query/region"
        no_year = await client.get("/v1/alerts", params={"region": "RU-MUR"}, headers=FEDERAL)
        assert no_year.status_code == 422
