"""Targets as the programmes print them: the Murmansk range "4-14", kinds and printed baselines, locked
targets reopened with a reason, deviations that need a cause note, a share above its declared maximum."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, create_indicator, item, post_values

pytestmark = pytest.mark.usefixtures("org_tree")

BASELINE_CALC = "Размер коэффициента дифференциации: группа 1 – 1,14000; … группа 6 – 1,04000"


async def put_targets(
    client: httpx.AsyncClient, code: str, items: list[dict[str, Any]], status: int = 200, **extra: Any
) -> Any:
    response = await client.put(f"/v1/indicators/{code}/targets", json={"items": items, **extra}, headers=FEDERAL)
    assert response.status_code == status, response.text
    return response.json()


async def analytics(client: httpx.AsyncClient, code: str, units: str, period: str) -> dict[str, dict[str, Any]]:
    response = await client.get(
        "/v1/analytics", params={"indicators": code, "org_units": units, "periods": period}, headers=FEDERAL
    )
    assert response.status_code == 200, response.text
    return {row["org_unit_code"]: row for row in response.json()["rows"]}


class TestRangeTarget:
    async def test_murmansk_4_14_is_achieved_inside_the_range(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "DIFF_FUNDING", unit="%", periodicity="year", aggregation="average")
        answer = await put_targets(
            client,
            "DIFF_FUNDING",
            [
                {
                    "org_unit_code": "RU-MUR",
                    "period": "2025",
                    "target_low": 4,
                    "target_high": 14,
                    "kind": "plan",
                    "baseline_year": 2020,
                    "baseline_calc": BASELINE_CALC,
                },
                {"org_unit_code": "MUR-A", "period": "2025", "target_low": "4", "target_high": "14"},
                {"org_unit_code": "MUR-B", "period": "2025", "target_low": 4, "target_high": 14},
            ],
        )
        region = answer["items"][0]
        assert (region["target"], region["target_low"], region["target_high"]) == (None, 4, 14)
        assert (region["kind"], region["baseline_year"], region["baseline_calc"]) == ("plan", 2020, BASELINE_CALC)
        assert region["locked"] is False
        await post_values(
            client, [item("DIFF_FUNDING", "MUR-A", "2025", 9), item("DIFF_FUNDING", "MUR-B", "2025", 16)], submit=True
        )
        rows = await analytics(client, "DIFF_FUNDING", "RU-MUR,MUR-A,MUR-B", "2025")
        inside = rows["MUR-A"]
        assert (inside["status"], inside["deviation"], inside["deviation_pct"]) == ("achieved", 0, 0)
        assert (inside["target_low"], inside["target_high"], inside["target"]) == (4, 14, None)
        assert inside["status_reason"] == "value 9 is inside the target range 4–14"
        # 16 is 2 above the high bound 14: 2 ÷ 14 = 14.3 %, attainment 0.857 → at_risk (0.85 ≤ … < 0.95).
        above = rows["MUR-B"]
        assert (above["status"], above["deviation"], above["deviation_pct"]) == ("at_risk", 2, 14.3)
        # The region: the average of 9 and 16 is 12.5, inside 4–14.
        assert (rows["RU-MUR"]["value"], rows["RU-MUR"]["status"]) == (12.5, "achieved")

    async def test_a_value_far_outside_its_range_needs_a_comment(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "RANGE_RATE", unit="%", periodicity="quarter", aggregation="average")
        await put_targets(
            client, "RANGE_RATE", [{"org_unit_code": "MUR-A", "period": "2025", "target_low": 4, "target_high": 14}]
        )
        # The year's range holds in its quarters unchanged. 20 is 6 above 14: 42.9 %, attainment 0.571 → off
        # track, so it needs a comment; 2 below 4 by 50 % likewise; 15 (7.1 %, on track) and 9 (inside) do not.
        results = await post_values(
            client,
            [
                item("RANGE_RATE", "MUR-A", "2025Q1", 20),
                item("RANGE_RATE", "MUR-A", "2025Q2", 2),
                item("RANGE_RATE", "MUR-A", "2025Q3", 15),
                item("RANGE_RATE", "MUR-A", "2025Q4", 9),
            ],
        )
        assert [r["status"] for r in results] == ["rejected", "rejected", "created", "created"]
        assert results[0]["problem"]["errors"][0]["pointer"] == "/items/0/comment"
        assert "above the target range 4–14" in results[0]["problem"]["detail"]
        assert "below the target range 4–14" in results[1]["problem"]["detail"]
        explained = await post_values(client, [item("RANGE_RATE", "MUR-A", "2025Q1", 20, comment="вспышка гриппа")])
        assert explained[0]["status"] == "created"

    async def test_bad_ranges_are_422_with_a_pointer(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "DIFF_FUNDING", unit="%", periodicity="year")
        low_above_high = await put_targets(
            client,
            "DIFF_FUNDING",
            [{"org_unit_code": "RU-MUR", "period": "2025", "target_low": 14, "target_high": 4}],
            422,
        )
        assert low_above_high["errors"][0]["pointer"] == "/items/0/target_low"
        assert "above its high" in low_above_high["errors"][0]["message"]
        half = await put_targets(
            client, "DIFF_FUNDING", [{"org_unit_code": "RU-MUR", "period": "2025", "target_low": 4}], 422
        )
        assert half["errors"][0]["pointer"] == "/items/0/target_high"
        both = await put_targets(
            client,
            "DIFF_FUNDING",
            [{"org_unit_code": "RU-MUR", "period": "2025", "target": 9, "target_low": 4, "target_high": 14}],
            422,
        )
        assert both["errors"][0]["pointer"] == "/items/0/target"
        kind = await put_targets(
            client, "DIFF_FUNDING", [{"org_unit_code": "RU-MUR", "period": "2025", "target": 9, "kind": "wish"}], 422
        )
        assert "kind" in kind["errors"][0]["pointer"]
        listed = await client.get("/v1/indicators/DIFF_FUNDING/targets", headers=FEDERAL)
        assert listed.json() == []


class TestLockedTargets:
    async def test_a_change_needs_a_reopen_with_a_reason(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "VISITS_SHARE", unit="%", periodicity="year")
        key = {"org_unit_code": "RU-MUR", "period": "2025"}
        await put_targets(client, "VISITS_SHARE", [{**key, "target": 80, "kind": "long_term"}])
        approve = await client.post(
            "/v1/indicators/VISITS_SHARE/targets/approval",
            json={"items": [key], "reason": "приказ № 1"},
            headers=FEDERAL,
        )
        assert approve.status_code == 200, approve.text
        assert approve.json()[0]["locked"] is True and approve.json()[0]["approved_by"]
        # The same figures again change nothing and are not refused.
        same = await put_targets(client, "VISITS_SHARE", [{**key, "target": 80, "kind": "long_term"}])
        assert same["unchanged"] == 1
        refused = await put_targets(client, "VISITS_SHARE", [{**key, "target": 85, "kind": "long_term"}], 409)
        assert (refused["reason"], refused["pointer"]) == ("target_locked", "/items/0")
        assert "reopen" in refused["detail"]
        # A reopen without a reason is refused; with one, the target is unlocked.
        no_reason = await client.post(
            "/v1/indicators/VISITS_SHARE/targets/reopen", json={"items": [key]}, headers=FEDERAL
        )
        assert no_reason.status_code == 422
        other = await client.post(
            "/v1/indicators/VISITS_SHARE/targets/reopen",
            json={"items": [{"org_unit_code": "RU-KYA", "period": "2025"}], "reason": "x"},
            headers=MUR_ADMIN,
        )
        assert other.status_code == 403
        reopened = await client.post(
            "/v1/indicators/VISITS_SHARE/targets/reopen",
            json={"items": [key], "reason": "программа изменена постановлением № 7"},
            headers=FEDERAL,
        )
        assert reopened.status_code == 200, reopened.text
        assert reopened.json()[0]["locked"] is False
        changed = await put_targets(
            client, "VISITS_SHARE", [{**key, "target": 85, "kind": "long_term"}], reason="новый план"
        )
        assert (changed["updated"], changed["items"][0]["target"]) == (1, 85)
        again = await client.post(
            "/v1/indicators/VISITS_SHARE/targets/reopen", json={"items": [key], "reason": "x"}, headers=FEDERAL
        )
        assert again.status_code == 422 and again.json()["errors"][0]["pointer"] == "/items/0"
        history = (await client.get("/v1/indicators/VISITS_SHARE/targets/history", headers=FEDERAL)).json()
        trail = [(e["action"], e["reason"]) for e in history]
        assert trail == [
            ("created", None),
            ("approved", "приказ № 1"),
            ("reopened", "программа изменена постановлением № 7"),
            ("updated", "новый план"),
        ]
        assert history[-1]["before"]["target"] == "80" and history[-1]["after"]["target"] == "85"

    async def test_approving_an_unset_target_is_422(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "VISITS_SHARE", unit="%", periodicity="year")
        answer = await client.post(
            "/v1/indicators/VISITS_SHARE/targets/approval",
            json={"items": [{"org_unit_code": "RU-MUR", "period": "2025"}]},
            headers=FEDERAL,
        )
        assert answer.status_code == 422 and answer.json()["errors"][0]["pointer"] == "/items/0"


class TestDeviation:
    async def test_a_large_deviation_requires_a_cause_note(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "DISP", unit="%", periodicity="year", aggregation="average", cause_note_pct=10)
        await put_targets(
            client,
            "DISP",
            [
                {"org_unit_code": "MUR-A", "period": "2025", "target": 80},
                {"org_unit_code": "MUR-B", "period": "2025", "target": 80},
            ],
        )
        await post_values(
            client,
            [item("DISP", "MUR-A", "2025", 60, comment="ниже плана"), item("DISP", "MUR-B", "2025", 76)],
            submit=True,
        )
        rows = await analytics(client, "DISP", "MUR-A,MUR-B", "2025")
        # 60 − 80 = −20, −25 % of the target: past 10 % → a cause note is due. 76: −4, −5 %: not.
        assert (rows["MUR-A"]["deviation"], rows["MUR-A"]["deviation_pct"]) == (-20, -25)
        assert (rows["MUR-A"]["cause_note_required"], rows["MUR-A"]["cause_note"]) == (True, None)
        assert (rows["MUR-B"]["deviation_pct"], rows["MUR-B"]["cause_note_required"]) == (-5, False)
        note = {"org_unit_code": "MUR-A", "period": "2025", "note": "два врача уволились в III квартале"}
        recorded = await client.put("/v1/indicators/DISP/cause-notes", json=note, headers=MUR_OPERATOR)
        assert recorded.status_code == 200, recorded.text
        assert recorded.json()["updated_by"] == "mur-operator"
        rows = await analytics(client, "DISP", "MUR-A", "2025")
        assert rows["MUR-A"]["cause_note"] == "два врача уволились в III квартале"
        # …and the export a ministry reads carries the same columns, in Russian.
        params = {"indicators": "DISP", "org_units": "MUR-A", "periods": "2025"}
        exported = await client.get("/v1/analytics/export", params=params, headers=FEDERAL)
        header, line = exported.content.decode("utf-8-sig").splitlines()[:2]
        cells = dict(zip(header.split(";"), line.split(";"), strict=True))
        assert cells["Требуется анализ факторов"] == "да"
        assert cells["Анализ факторов"] == "два врача уволились в III квартале"
        assert cells["Отклонение от плана, %"] == "-25,0"  # a decimal comma
        outside = await client.put("/v1/indicators/DISP/cause-notes", json=note, headers=KYA_ADMIN)
        assert outside.status_code == 404

    async def test_a_share_above_its_declared_maximum_is_a_warning(self, client: httpx.AsyncClient) -> None:
        await create_indicator(client, "COVERAGE", unit="%", periodicity="year", declared_max=100, share_form="percent")
        read = (await client.get("/v1/indicators/COVERAGE", headers=FEDERAL)).json()
        assert (read["share_form"], read["declared_max"]) == ("percent", 100)
        await put_targets(client, "COVERAGE", [{"org_unit_code": "MUR-A", "period": "2025", "target": 90}])
        await post_values(client, [item("COVERAGE", "MUR-A", "2025", "104", comment="проверить")], submit=True)
        row = (await analytics(client, "COVERAGE", "MUR-A", "2025"))["MUR-A"]
        assert row["status"] == "implausible" and row["status"] != "achieved"
        assert row["warning"] == "value 104 exceeds the declared maximum 100: check the figure"


class TestIndicatorsImport:
    async def test_a_printed_range_and_the_monitoring_columns(self, client: httpx.AsyncClient) -> None:
        content = (
            "code;name_ru;unit;kind;direction;periodicity;monitoring_level;control;share_form;"
            "org_unit_code;period;target;target_kind;baseline_year\n"
            "DIFF_FUNDING;Увеличение финансового обеспечения;процент;input;higher_is_better;year;core;да;percent;"
            "RU-MUR;2025;4-14;plan;2020\n"
            "DIFF_FUNDING;;;;;;;;;RU-MUR;2024;4 – 14;;2020\n"
            "DIFF_FUNDING;;;;;;;;;RU-MUR;2023;14-4;;2020\n"
        )
        upload = {"file": ("indicators.csv", content.encode(), "text/csv")}
        refused = await client.post("/v1/indicators/import", files=upload, headers=FEDERAL)
        # The third row prints its range upside down: the file is refused at that row.
        assert refused.status_code == 422, refused.text
        assert [e["pointer"] for e in refused.json()["errors"]] == ["/rows/3/target_low"]
        fixed = content.rsplit("\n", 2)[0] + "\n"
        upload = {"file": ("indicators.csv", fixed.encode(), "text/csv")}
        response = await client.post("/v1/indicators/import", files=upload, headers=FEDERAL)
        assert response.status_code == 200, response.text
        read = (await client.get("/v1/indicators/DIFF_FUNDING", headers=FEDERAL)).json()
        assert (read["monitoring_level"], read["control"], read["share_form"]) == ("core", True, "percent")
        targets = (await client.get("/v1/indicators/DIFF_FUNDING/targets", headers=FEDERAL)).json()
        assert [(t["period"], t["target_low"], t["target_high"], t["baseline_year"]) for t in targets] == [
            ("2024", 4, 14, 2020),
            ("2025", 4, 14, 2020),
        ]
