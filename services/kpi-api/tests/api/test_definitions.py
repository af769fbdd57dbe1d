"""Owners and the audited history of definitions (indicators, deadline rules), formula changes that
would rewrite approved figures, and four-eyes approval."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from zdrav_shared.testing import auth

from .conftest import (
    FEDERAL,
    KYA_ADMIN,
    MUR_ADMIN,
    MUR_OPERATOR,
    FixedClock,
    create_indicator,
    indicator,
    item,
    post_values,
)

pytestmark = pytest.mark.usefixtures("org_tree")

MUR_ADMIN_2 = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin-2")
TWO_REGIONS = auth(["regional_admin"], ["RU-MUR", "RU-KYA"], sub="two-regions")


async def history(client: httpx.AsyncClient, code: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/indicators/{code}/history", headers=MUR_OPERATOR)
    assert response.status_code == 200, response.text
    return list(response.json())


async def approved(client: httpx.AsyncClient, code: str, unit: str, period: str, value: Any) -> int:
    """A value entered by the federal tester and approved by the region's admin."""
    result = (await post_values(client, [item(code, unit, period, value)], submit=True))[0]
    response = await client.post(f"/v1/values/{result['id']}/approve", headers=MUR_ADMIN)
    assert response.status_code == 200, response.text
    return int(result["id"])


class TestOwners:
    async def test_default_owner_is_the_callers_own(self, client: httpx.AsyncClient) -> None:
        federal = await create_indicator(client, "NATIONAL")
        assert federal["owner"] == "RU"
        regional = await client.post("/v1/indicators", json=indicator("MUR_OWN"), headers=MUR_ADMIN)
        assert regional.status_code == 201 and regional.json()["owner"] == "RU-MUR"
        named = await client.post("/v1/indicators", json={**indicator("RU_BY_MUR"), "owner": "RU"}, headers=MUR_ADMIN)
        assert named.status_code == 403 and named.json()["owner"] == "RU" and named.json()["reason"] == "not_owner"
        several = await client.post("/v1/indicators", json=indicator("TWO"), headers=TWO_REGIONS)
        assert several.status_code == 422 and several.json()["errors"][0]["pointer"] == "/owner"
        chosen = await client.post("/v1/indicators", json={**indicator("TWO"), "owner": "RU-KYA"}, headers=TWO_REGIONS)
        assert chosen.status_code == 201 and chosen.json()["owner"] == "RU-KYA"

    async def test_only_the_owner_changes_or_switches_off(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "NATIONAL")
        await client.post("/v1/indicators", json=indicator("MUR_OWN"), headers=MUR_ADMIN)
        for code, outsider, owner in (("NATIONAL", MUR_ADMIN, "RU"), ("MUR_OWN", KYA_ADMIN, "RU-MUR")):
            for body in ({"name_en": "x"}, {"active": False}, {"reporting_level": "organisation"}):
                response = await client.patch(f"/v1/indicators/{code}", json=body, headers=outsider)
                assert response.status_code == 403, response.text
                problem = response.json()
                assert (problem["reason"], problem["owner"]) == ("not_owner", owner) and owner in problem["detail"]
        # The federal centre does not change a region's own indicator either.
        assert (await client.patch("/v1/indicators/MUR_OWN", json={"name_en": "x"}, headers=FEDERAL)).status_code == 403
        assert (
            await client.patch("/v1/indicators/MUR_OWN", json={"name_en": "x"}, headers=MUR_ADMIN_2)
        ).status_code == 200
        assert (
            await client.patch("/v1/indicators/NATIONAL", json={"active": False}, headers=FEDERAL)
        ).status_code == 200
        # Switched off by its owner: nobody can report it any more.
        results = await post_values(client, [item("NATIONAL", "KYA-A", "2025Q2", 1)], KYA_ADMIN)
        assert "switched off" in results[0]["problem"]["detail"]

    async def test_every_change_is_in_the_history(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "A")
        await create_indicator(client, "B")
        await create_indicator(client, "F", formula="A / B * 100")
        changes = [
            {"name_en": "Share", "reason": "перевод"},
            {"formula": "A * 100 / B", "effective_from": "2026-01-01", "reason": "методика 2026"},
            {"active": False, "reason": "показатель исключён"},
            {"active": True, "reason": "возвращён"},
        ]
        for body in changes:
            response = await client.patch("/v1/indicators/F", json=body, headers=FEDERAL)
            assert response.status_code == 200, response.text
        events = await history(client, "F")
        assert [e["action"] for e in events] == ["created", "updated", "formula_changed", "deactivated", "activated"]
        assert events[0]["before"] is None and events[0]["after"]["formula"] == "A / B * 100"
        assert events[0]["after"]["owner"] == "RU" and all(e["actor"] == "tester" for e in events)
        assert (events[1]["before"]["name_en"], events[1]["after"]["name_en"]) == (None, "Share")
        assert (
            events[2]["after"]["formula"] == "A * 100 / B"
            and events[2]["after"]["formula_effective_from"] == "2026-01-01"
        )
        assert events[2]["reason"] == "методика 2026"
        assert (events[3]["before"]["active"], events[3]["after"]["active"]) == (True, False)
        unknown = await client.get("/v1/indicators/NOPE/history", headers=FEDERAL)
        assert unknown.status_code == 404


class TestApprovedHistory:
    """A (quarterly input) approved in 2025Q1 and 2025Q2 at MUR-A; F = A / B."""

    @pytest.fixture
    async def approved_inputs(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "A")
        await create_indicator(client, "B")
        await create_indicator(client, "MONTHLY", periodicity="month")
        await create_indicator(client, "F", formula="A / B")
        await approved(client, "A", "MUR-A", "2025Q1", 1)
        await approved(client, "A", "MUR-A", "2025Q2", 1)
        await post_values(client, [item("B", "MUR-A", "2025Q3", 1)], submit=True)  # submitted, not approved

    @pytest.mark.parametrize(("effective_from", "first"), [("2025-01-01", "2025Q1"), ("2025-04-01", "2025Q2"),
                                                            ("2025-03-15", "2025Q2")])  # fmt: skip
    async def test_a_formula_over_approved_periods_is_409(
        self, client: httpx.AsyncClient, approved_inputs: None, effective_from: str, first: str
    ) -> None:
        body = {"formula": "A * 2 / B", "effective_from": effective_from}
        response = await client.patch("/v1/indicators/F", json=body, headers=FEDERAL)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert (problem["reason"], problem["first_approved_period"], problem["indicator_code"]) == (
            "approved_history", first, "A"
        )  # fmt: skip
        assert [e["action"] for e in await history(client, "F")] == ["created"]

    async def test_after_the_last_approved_period_it_applies(
        self, client: httpx.AsyncClient, approved_inputs: None
    ) -> None:
        body = {"formula": "A * 2 / B", "effective_from": "2025-07-01"}
        response = await client.patch("/v1/indicators/F", json=body, headers=FEDERAL)
        assert response.status_code == 200, response.text

    async def test_inputs_of_the_new_formula_count_too(self, client: httpx.AsyncClient, approved_inputs: None) -> None:
        await create_indicator(client, "C")
        await create_indicator(client, "G", formula="B / 2")
        await approved(client, "C", "MUR-A", "2025Q3", 4)
        response = await client.patch(
            "/v1/indicators/G", json={"formula": "(B + C) / 2", "effective_from": "2025-07-01"}, headers=FEDERAL
        )
        assert response.status_code == 409 and response.json()["first_approved_period"] == "2025Q3"

    async def test_a_reopened_value_no_longer_blocks(self, client: httpx.AsyncClient, approved_inputs: None) -> None:
        listed = await client.get("/v1/values", params={"indicator": "A", "period": "2025Q2"}, headers=FEDERAL)
        value_id = listed.json()["items"][0]["id"]
        reopened = await client.post(f"/v1/values/{value_id}/reopen", json={"reason": "ошибка"}, headers=MUR_ADMIN)
        assert reopened.status_code == 200
        body = {"formula": "A * 2 / B", "effective_from": "2025-04-01"}
        assert (await client.patch("/v1/indicators/F", json=body, headers=FEDERAL)).status_code == 200

    async def test_a_reporting_level_that_would_move_approved_values_is_409(
        self, client: httpx.AsyncClient, approved_inputs: None
    ) -> None:
        response = await client.patch("/v1/indicators/A", json={"reporting_level": "region"}, headers=FEDERAL)
        assert response.status_code == 409 and response.json()["first_approved_period"] == "2025Q1"
        kept = await client.patch("/v1/indicators/A", json={"reporting_level": "organisation"}, headers=FEDERAL)
        assert kept.status_code == 200, kept.text


class TestFourEyes:
    async def test_whoever_entered_or_submitted_cannot_approve(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "VISITS")
        entered = (await post_values(client, [item("VISITS", "MUR-A", "2025Q2", 5)], MUR_ADMIN))[0]
        submitted = await client.post(f"/v1/values/{entered['id']}/submit", headers=MUR_ADMIN_2)
        assert submitted.json()["submitted_by"] == "mur-admin-2" and submitted.json()["entered_by"] == "mur-admin"
        for who in (MUR_ADMIN, MUR_ADMIN_2):
            refused = await client.post(f"/v1/values/{entered['id']}/approve", headers=who)
            assert refused.status_code == 403 and refused.json()["reason"] == "four_eyes", refused.text
        response = await client.post(f"/v1/values/{entered['id']}/approve", headers=FEDERAL)
        assert response.status_code == 200 and response.json()["approved_by"] == "tester"

    async def test_the_last_to_change_the_figure_counts(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "VISITS")
        first = (await post_values(client, [item("VISITS", "MUR-A", "2025Q2", 5)], MUR_ADMIN))[0]
        await post_values(client, [item("VISITS", "MUR-A", "2025Q2", 6)], MUR_OPERATOR, submit=True)
        # mur-admin entered an earlier figure only: the figure under approval is the operator's
        response = await client.post(f"/v1/values/{first['id']}/approve", headers=MUR_ADMIN)
        assert response.status_code == 200, response.text


class TestDeadlineRules:
    async def test_a_regions_own_rule_judges_its_values(self, client: httpx.AsyncClient, clock: FixedClock) -> None:
        body = {"day_of_month": 3, "months_after": 1, "reason": "региональный приказ"}
        response = await client.put("/v1/deadline-rules/quarter", json=body, headers=MUR_ADMIN)
        assert response.status_code == 200, response.text
        quarter = next(r for r in response.json() if r["periodicity"] == "quarter")
        assert (quarter["owner"], quarter["day_of_month"]) == ("RU-MUR", 3)
        national = (await client.get("/v1/deadline-rules", headers=KYA_ADMIN)).json()
        assert next(r for r in national if r["periodicity"] == "quarter")["day_of_month"] == 5
        mine = (await client.get("/v1/deadline-rules", params={"region": "RU-MUR"}, headers=KYA_ADMIN)).json()
        assert next(r for r in mine if r["periodicity"] == "quarter")["owner"] == "RU-MUR"
        await create_indicator(client, "VISITS")
        clock.now = datetime(2025, 7, 4, 9, 0, tzinfo=UTC)  # after RU-MUR's 3rd, before the national 5th
        results = await post_values(
            client, [item("VISITS", "MUR-A", "2025Q2", 1), item("VISITS", "KYA-A", "2025Q2", 1)], submit=True
        )
        assert [r["late"] for r in results] == [True, False]
        done = await client.get("/v1/completeness", params={"region": "RU-MUR", "period": "2025Q2"}, headers=MUR_ADMIN)
        assert done.json()["deadline"] == "2025-07-03"

    async def test_owners_history_and_removal(self, client: httpx.AsyncClient) -> None:
        national = {"day_of_month": 10, "months_after": 1}
        refused = await client.put("/v1/deadline-rules/month", json={**national, "owner": "RU"}, headers=MUR_ADMIN)
        assert refused.status_code == 403 and refused.json()["owner"] == "RU"
        other = await client.put("/v1/deadline-rules/month", json={**national, "owner": "RU-MUR"}, headers=KYA_ADMIN)
        assert other.status_code == 403 and other.json()["owner"] == "RU-MUR"
        assert (await client.put("/v1/deadline-rules/month", json=national, headers=FEDERAL)).status_code == 200
        regional = {"day_of_month": 2, "months_after": 1, "reason": "свой срок"}
        assert (await client.put("/v1/deadline-rules/month", json=regional, headers=MUR_ADMIN)).status_code == 200
        assert (
            await client.put("/v1/deadline-rules/month", json={**regional, "day_of_month": 4}, headers=MUR_ADMIN_2)
        ).status_code == 200
        assert (
            await client.put("/v1/deadline-rules/month", json={**regional, "day_of_month": 4}, headers=MUR_ADMIN_2)
        ).status_code == 200  # no change
        removed = await client.delete("/v1/deadline-rules/month", params={"reason": "отменён"}, headers=MUR_ADMIN)
        assert removed.status_code == 200
        assert next(r for r in removed.json() if r["periodicity"] == "month")["day_of_month"] == 10  # national again
        again = await client.delete("/v1/deadline-rules/month", headers=MUR_ADMIN)
        assert again.status_code == 404
        assert (await client.delete("/v1/deadline-rules/month", headers=MUR_OPERATOR)).status_code == 403
        events = (
            await client.get("/v1/deadline-rules/month/history", params={"owner": "RU-MUR"}, headers=MUR_OPERATOR)
        ).json()
        assert [(e["action"], e["actor"]) for e in events] == [
            ("created", "mur-admin"),
            ("updated", "mur-admin-2"),
            ("removed", "mur-admin"),
        ]
        assert events[0]["after"]["owner"] == "RU-MUR" and events[0]["reason"] == "свой срок"
        assert (events[1]["before"]["day_of_month"], events[1]["after"]["day_of_month"]) == (2, 4)
        assert events[2]["reason"] == "отменён" and events[2]["after"]["active"] is False
        every = (await client.get("/v1/deadline-rules/month/history", headers=FEDERAL)).json()
        assert len(every) == 4 and every[0]["after"]["owner"] == "RU"
