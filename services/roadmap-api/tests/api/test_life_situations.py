"""Life situations (the three health ones always present), their institutions, self-assessments with
the method's sample rule and worst value, and a draft roadmap KPI's baseline taken from them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin")
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
MUR_ANALYST = auth(["analyst"], ["RU-MUR"])
GP1_OPERATOR = auth(["mo_operator"], ["MUR-P001"], sub="gp1-operator")
GP2_OPERATOR = auth(["mo_operator"], ["MUR-P002"], sub="gp2-operator")
LS = "/v1/life-situations"
CARDIO = "nsi-health-1"


def assessment(org: str, values: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "org_unit_code": org,
        "indicator_code": "WAIT_CARDIO_DAYS",
        "metric_ru": "Время ожидания приёма у кардиолога",
        "unit": "дни",
        "direction": "lower_is_better",
        "measurements": values,
        **extra,
    }


async def post_assessment(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] = MUR_ADMIN, expect: int = 201
) -> dict[str, Any]:
    response = await client.post(f"{LS}/{CARDIO}/self-assessments", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return dict(response.json())


class TestLifeSituations:
    async def test_the_three_health_situations_are_always_there(self, client: httpx.AsyncClient) -> None:
        listed = (await client.get(LS, headers=MUR_ANALYST)).json()["items"]
        assert [s["code"] for s in listed] == ["nsi-health-1", "nsi-health-2", "nsi-health-3"]
        vmp = next(s for s in listed if s["code"] == "nsi-health-3")
        assert vmp["owner"] == "RU"
        assert vmp["start_event_ru"] == "получение направления на приём кардиолога в поликлинику стационара"
        assert vmp["end_event_ru"] == "первое посещение пациентом участкового врача после получения ВМП"
        assert vmp["beneficiaries_ru"] == "Пациенты с заболеваниями сердечно-сосудистой системы"
        assert vmp["boundaries_ru"].startswith("От момента получения направления")

    async def test_owners_change_their_own(self, client: httpx.AsyncClient) -> None:
        refused = await client.patch(f"{LS}/{CARDIO}", json={"name_ru": "x"}, headers=MUR_ADMIN)
        assert refused.status_code == 403 and refused.json()["reason"] == "not_owner"
        body = {
            "code": "mur-ls-1",
            "name_ru": "Пройти диспансеризацию",
            "start_event_ru": "запись",
            "end_event_ru": "заключение терапевта",
            "beneficiaries_ru": "Взрослые",
        }
        created = await client.post(LS, json=body, headers=MUR_ADMIN)
        assert created.status_code == 201 and created.json()["owner"] == "RU-MUR"
        assert (await client.post(LS, json=body, headers=MUR_ADMIN)).status_code == 409
        assert (await client.patch(f"{LS}/mur-ls-1", json={"name_ru": "x"}, headers=KYA_ADMIN)).status_code == 403
        changed = await client.patch(
            f"{LS}/mur-ls-1", json={"end_event_ru": "постановка на учёт", "reason": "РШ НСИ"}, headers=MUR_ADMIN
        )
        assert changed.status_code == 200 and changed.json()["version"] == 2
        assert (await client.patch(f"{LS}/mur-ls-1", json={"name_ru": None}, headers=MUR_ADMIN)).status_code == 422
        assert (await client.get(f"{LS}/nope", headers=MUR_ANALYST)).status_code == 404
        assert (await client.post(LS, json={**body, "code": "x2"}, headers=MUR_ANALYST)).status_code == 403


class TestInstitutions:
    async def test_at_least_two_urban_and_rural_or_a_warning(self, client: httpx.AsyncClient, more_units: Any) -> None:
        url = f"{LS}/{CARDIO}/institutions"
        one = await client.post(url, json={"org_unit_code": "MUR-P001"}, headers=MUR_ADMIN)
        assert one.status_code == 201, one.text
        assert one.json()["ok"] is False
        assert one.json()["warnings"] == [
            "RU-MUR has 1 institution(s) for this life situation; the method asks for at least 2, urban and rural",
            "RU-MUR has no rural institution for this life situation",
        ]
        two = (await client.post(url, json={"org_unit_code": "MUR-CITY2"}, headers=MUR_ADMIN)).json()
        assert two["warnings"] == ["RU-MUR has no rural institution for this life situation"]
        # kpi-api's rural flag decides; the body's is used only where kpi-api says nothing.
        three = (await client.post(url, json={"org_unit_code": "MUR-RURAL1", "rural": False}, headers=MUR_ADMIN)).json()
        assert (three["ok"], three["warnings"]) == (True, [])
        assert [(i["org_unit_code"], i["rural"]) for i in three["institutions"]] == [
            ("MUR-P001", False),
            ("MUR-CITY2", False),
            ("MUR-RURAL1", True),
        ]
        again = (await client.post(url, json={"org_unit_code": "MUR-P001"}, headers=MUR_ADMIN)).json()
        assert len(again["institutions"]) == 3
        listed = await client.get(url, params={"region": "RU-MUR"}, headers=MUR_ANALYST)
        assert listed.json() == again
        assert (await client.get(url, params={"region": "RU-MUR"}, headers=KYA_ADMIN)).status_code == 403

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"org_unit_code": "RU-MUR"}, "/org_unit_code"),
            ({"org_unit_code": "NOPE"}, "/org_unit_code"),
            ({"org_unit_code": "MUR-P001", "region_code": "RU-KYA"}, "/region_code"),
        ],
    )
    async def test_bad_institutions(
        self, client: httpx.AsyncClient, more_units: Any, body: dict[str, Any], pointer: str
    ) -> None:
        response = await client.post(f"{LS}/{CARDIO}/institutions", json=body, headers=MUR_ADMIN)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == pointer


class TestSelfAssessment:
    async def test_worst_value_and_sample_rule(self, client: httpx.AsyncClient, more_units: Any) -> None:
        small = await post_assessment(client, assessment("MUR-P001", [7, 9, 12.5, 8, 14, 10]))
        assert (small["n"], small["sample_ok"], small["min_measurements"]) == (6, False, 10)
        assert (small["current_value"], small["best_value"]) == (14, 7)
        assert small["warnings"] == ["MUR-P001: 6 measurement(s); the method asks for at least 10 per institution"]
        grown = await client.put(
            f"/v1/self-assessments/{small['id']}/measurements",
            json={"measurements": [7, 9, 12.5, 8, 14, 10, {"value": 21, "measured_on": "2021-06-01"}, 9, 11, 13]},
            headers=GP1_OPERATOR,
        )
        assert grown.status_code == 200, grown.text
        body = grown.json()
        assert (body["n"], body["sample_ok"], body["current_value"], body["warnings"]) == (10, True, 21, [])
        assert body["mean"] == 11.45
        assert body["measurements"][6] == {"value": 21.0, "measured_on": "2021-06-01", "note": None}
        satisfied = await post_assessment(
            client,
            assessment(
                "MUR-P001",
                [80, 75, 90, 60, 85, 70, 88, 92, 79, 81],
                indicator_code="SAT_SHARE",
                unit="%",
                direction="higher_is_better",
            ),
        )
        assert satisfied["current_value"] == 60  # the worst of a higher-is-better quantity is the smallest

    async def test_who_may_measure(self, client: httpx.AsyncClient, more_units: Any) -> None:
        own = await post_assessment(client, assessment("MUR-P001", [1, 2]), headers=GP1_OPERATOR)
        await post_assessment(client, assessment("MUR-P001", [1, 2]), headers=GP2_OPERATOR, expect=403)
        await post_assessment(client, assessment("MUR-P001", [1, 2]), headers=KYA_ADMIN, expect=403)
        await post_assessment(client, assessment("MUR-P001", [1, 2]), headers=MUR_ANALYST, expect=403)
        # Another organisation's assessment is hidden from its operator.
        assert (await client.get(f"/v1/self-assessments/{own['id']}", headers=GP2_OPERATOR)).status_code == 404
        assert (await client.get(f"/v1/self-assessments/{own['id']}", headers=KYA_ADMIN)).status_code == 404
        assert (await client.get(f"/v1/self-assessments/{own['id']}", headers=GP1_OPERATOR)).status_code == 200
        replaced = await client.put(
            f"/v1/self-assessments/{own['id']}/measurements", json={"measurements": [3]}, headers=GP2_OPERATOR
        )
        assert replaced.status_code == 404
        duplicate = await post_assessment(client, assessment("MUR-P001", [5]), expect=409)
        assert duplicate["assessment_id"] == own["id"]

    @pytest.mark.parametrize(
        "measurements", [[-1], ["много"], [{"value": 1, "measured_on": "2021-13-01"}], [1e20], "7,9"]
    )
    async def test_bad_measurements_are_422(
        self, client: httpx.AsyncClient, more_units: Any, measurements: Any
    ) -> None:
        await post_assessment(client, assessment("MUR-P001", measurements), expect=422)

    async def test_one_indicator_is_measured_one_way_in_a_region(
        self, client: httpx.AsyncClient, more_units: Any
    ) -> None:
        await post_assessment(client, assessment("MUR-P001", [1]))
        other = await post_assessment(client, assessment("MUR-CITY2", [1], unit="часы"), expect=422)
        assert other["errors"][0]["pointer"] == "/unit"


class TestBaseline:
    async def roadmap(self, client: httpx.AsyncClient) -> int:
        body = {
            "region_code": "RU-MUR",
            "life_situation": "ССЗ",
            "title": "ДК",
            "kpis": [{"indicator_code": "WAIT_CARDIO_DAYS", "baseline": 30, "target": 10, "target_period": "2022"}],
        }
        response = await client.post("/v1/roadmaps", json=body, headers=MUR_ADMIN)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    async def test_the_worst_measurement_of_the_region_feeds_the_kpi_baseline(
        self, client: httpx.AsyncClient, more_units: Any
    ) -> None:
        rid = await self.roadmap(client)
        url = f"/v1/roadmaps/{rid}/kpis/WAIT_CARDIO_DAYS/baseline-from-self-assessment"
        nothing = await client.post(url, json={"life_situation_code": CARDIO}, headers=MUR_ADMIN)
        assert nothing.status_code == 409 and nothing.json()["reason"] == "no_measurements"
        await post_assessment(client, assessment("MUR-P001", [7, 9, 12, 8, 14, 10, 9, 11, 13, 10]))
        rural = await post_assessment(client, assessment("MUR-RURAL1", [20, 25, 18, 31, 22]))
        baseline = await client.get(
            f"{LS}/{CARDIO}/baseline",
            params={"region": "RU-MUR", "indicator_code": "WAIT_CARDIO_DAYS"},
            headers=MUR_ANALYST,
        )
        summary = baseline.json()
        assert (summary["value"], summary["measurements"], summary["sample_ok"]) == (31, 15, False)
        assert [(i["org_unit_code"], i["rural"], i["n"], i["current_value"]) for i in summary["institutions"]] == [
            ("MUR-P001", False, 10, 14),
            ("MUR-RURAL1", True, 5, 31),
        ]
        assert summary["warnings"] == ["MUR-RURAL1: 5 measurement(s); the method asks for at least 10 per institution"]
        short = await client.post(url, json={"life_situation_code": CARDIO}, headers=MUR_ADMIN)
        assert short.status_code == 409 and short.json()["reason"] == "small_sample"
        await client.put(
            f"/v1/self-assessments/{rural['id']}/measurements",
            json={"measurements": [20, 25, 18, 31, 22, 19, 27, 24, 26, 33]},
            headers=MUR_ADMIN,
        )
        applied = await client.post(url, json={"life_situation_code": CARDIO}, headers=MUR_ADMIN)
        assert applied.status_code == 200, applied.text
        assert (applied.json()["baseline"], applied.json()["previous_baseline"]) == (33, 30)
        roadmap = (await client.get(f"/v1/roadmaps/{rid}", headers=MUR_ADMIN)).json()
        assert roadmap["kpis"][0]["baseline"] == 33
        journal = (await client.get(f"/v1/roadmaps/{rid}/journal", headers=MUR_ADMIN)).json()["items"]
        assert journal[-1]["action"] == "self_assessed"
        assert (journal[-1]["before"], journal[-1]["after"]) == ("30", "33")

    async def test_small_samples_only_when_accepted_and_never_after_approval(
        self, client: httpx.AsyncClient, more_units: Any
    ) -> None:
        rid = await self.roadmap(client)
        url = f"/v1/roadmaps/{rid}/kpis/WAIT_CARDIO_DAYS/baseline-from-self-assessment"
        await post_assessment(client, assessment("MUR-P001", [7, 9]))
        accepted = await client.post(
            url, json={"life_situation_code": CARDIO, "accept_small_sample": True}, headers=MUR_ADMIN
        )
        assert accepted.status_code == 200 and accepted.json()["baseline"] == 9
        assert accepted.json()["self_assessment"]["sample_ok"] is False
        other_kpi = f"/v1/roadmaps/{rid}/kpis/NOPE/baseline-from-self-assessment"
        assert (
            await client.post(other_kpi, json={"life_situation_code": CARDIO}, headers=MUR_ADMIN)
        ).status_code == 404
        assert (await client.post(url, json={"life_situation_code": CARDIO}, headers=KYA_ADMIN)).status_code == 404
        assert (await client.post(url, json={"life_situation_code": "nope"}, headers=MUR_ADMIN)).status_code == 404
        approved = await client.post(f"/v1/roadmaps/{rid}/status", json={"status": "approved"}, headers=MUR_ADMIN)
        assert approved.status_code == 200
        locked = await client.post(
            url, json={"life_situation_code": CARDIO, "accept_small_sample": True}, headers=MUR_ADMIN
        )
        assert locked.status_code == 409


async def test_a_nul_character_is_a_422_on_every_backend(client: httpx.AsyncClient) -> None:
    body = {"code": "x1", "name_ru": "n", "start_event_ru": "s", "end_event_ru": "e", "beneficiaries_ru": "8\x00"}
    response = await client.post(LS, json=body, headers=MUR_ADMIN)
    assert response.status_code == 422
    assert "/beneficiaries_ru" in response.text
