from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from roadmap_api.improvements.rules import agrees_with_printed, load_lean_before_after
from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"])
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"])
REFERENCE = next(
    p / "data" / "reference" for p in Path(__file__).resolve().parents if (p / "data" / "reference").is_dir()
)

STAGES = [
    {"stage": "preparation", "start_date": "2019-01-10", "end_date": "2019-01-31"},
    {"stage": "diagnosis", "start_date": "2019-02-01", "end_date": "2019-02-28"},
    {"stage": "target_state", "start_date": "2019-03-01", "end_date": "2019-03-15"},
    {"stage": "implementation", "start_date": "2019-03-16", "end_date": "2019-04-15"},
    {"stage": "sustaining_and_closure", "start_date": "2019-04-16", "end_date": "2019-06-30"},
]


def body(**extra: Any) -> dict[str, Any]:
    return {
        "region_code": "RU-MUR",
        "pilot_org_unit_code": "MUR-GP1",
        "title": "Бережливая регистратура",
        "category": "registry",
        "process": "Запись на приём",
        "problem": "Очереди",
        "goal": "Без очередей",
        "team": ["Главный врач"],
        **extra,
    }


class TestLeanEffects:
    async def test_printed_before_after_results(self, client: httpx.AsyncClient) -> None:
        results = load_lean_before_after(REFERENCE / "lean_before_after.csv")
        metrics = [
            {
                "name": r.metric_ru,
                "unit": r.unit_ru,
                "direction": r.direction.value,
                "before": str(r.before),
                "after": str(r.after_max),
            }
            for r in results
        ]
        response = await client.post(
            "/v1/improvement-projects", json=body(stages=STAGES, metrics=metrics), headers=MUR_ADMIN
        )
        assert response.status_code == 201, response.text
        data = response.json()
        assert [s["stage"] for s in data["stages"]] == [s["stage"] for s in STAGES]
        assert data["current_stage"] is None  # the project ended in 2019
        labels = [m["effect"]["label"] for m in data["metrics"]]
        assert labels[:4] == ["reduced 3.2×", "reduced 3.8×", "reduced 3.5×", "reduced 2.5×"]
        for result, metric in zip(results, data["metrics"], strict=True):
            effect = metric["effect"]
            assert effect["movement"] == "reduced" and effect["improved"] is True
            assert agrees_with_printed(Decimal(str(effect["factor"])), result.printed_factor_min)

    async def test_direction_and_target(self, client: httpx.AsyncClient) -> None:
        metrics = [
            {
                "name": "Доля записей онлайн",
                "unit": "%",
                "direction": "higher_is_better",
                "before": 20,
                "after": 10,
                "target": 40,
            },
            {"name": "Очередь", "unit": "мин", "direction": "lower_is_better", "before": 30, "after": 8, "target": 10},
            {"name": "Визиты", "unit": "шт", "direction": "lower_is_better", "before": 5},
        ]
        data = (await client.post("/v1/improvement-projects", json=body(metrics=metrics), headers=FEDERAL)).json()
        worse, better, unmeasured = data["metrics"]
        assert (worse["effect"]["movement"], worse["effect"]["improved"], worse["effect"]["target_achieved"]) == (
            "reduced",
            False,
            False,
        )
        assert worse["effect"]["change_pct"] == -50.0
        assert (better["effect"]["improved"], better["effect"]["target_achieved"]) == (True, True)
        assert unmeasured["effect"] is None


class TestRules:
    async def test_bad_stages_and_values(self, client: httpx.AsyncClient) -> None:
        backwards = [{"stage": "diagnosis", "start_date": "2019-03-01", "end_date": "2019-02-01"}]
        out_of_order = [STAGES[1], {**STAGES[0], "start_date": "2019-02-10", "end_date": "2019-02-20"}]
        twice = [STAGES[0], STAGES[0]]
        for stages in (backwards, out_of_order, twice):
            response = await client.post("/v1/improvement-projects", json=body(stages=stages), headers=FEDERAL)
            assert response.status_code == 422, stages
        negative = [{"name": "x", "unit": "x", "direction": "lower_is_better", "before": -1}]
        assert (
            await client.post("/v1/improvement-projects", json=body(metrics=negative), headers=FEDERAL)
        ).status_code == 422
        assert (
            await client.post("/v1/improvement-projects", json=body(category="astrology"), headers=FEDERAL)
        ).status_code == 422
        foreign = await client.post(
            "/v1/improvement-projects", json=body(pilot_org_unit_code="KYA-GP1"), headers=FEDERAL
        )
        assert foreign.status_code == 422
        assert foreign.json()["errors"][0]["pointer"] == "/pilot_org_unit_code"

    async def test_update_stages_metrics_and_if_match(self, client: httpx.AsyncClient) -> None:
        created = await client.post("/v1/improvement-projects", json=body(), headers=FEDERAL)
        pid = created.json()["id"]
        url = f"/v1/improvement-projects/{pid}"
        assert (
            await client.patch(url, json={"goal": "g2"}, headers={**MUR_ADMIN, "If-Match": 'W/"1"'})
        ).status_code == 200
        stale = await client.put(f"{url}/stages", json={"items": STAGES}, headers={**MUR_ADMIN, "If-Match": 'W/"1"'})
        assert stale.status_code == 409
        staged = await client.put(f"{url}/stages", json={"items": STAGES}, headers=MUR_ADMIN)
        assert staged.status_code == 200 and len(staged.json()["stages"]) == 5
        metrics = {
            "items": [{"name": "Очередь", "unit": "мин", "direction": "lower_is_better", "before": 45, "after": 13}]
        }
        measured = await client.put(f"{url}/metrics", json=metrics, headers=MUR_ADMIN)
        assert measured.json()["metrics"][0]["effect"]["label"] == "reduced 3.5×"
        # Another region's project is hidden, as if it did not exist.
        assert (await client.get(url, headers=KYA_ADMIN)).status_code == 404
        listed = await client.get("/v1/improvement-projects?category=registry", headers=KYA_ADMIN)
        assert listed.json()["items"] == []
        assert (await client.get("/v1/improvement-projects/777", headers=FEDERAL)).status_code == 404
