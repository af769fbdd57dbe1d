"""The three services together (real processes on PostgreSQL): org units and an indicator with a
target in kpi-api, a campaign, a kiosk and its batch in survey-api, an operator's values, a roadmap
task completed in roadmap-api — and the federal quarterly report shows all three; it degrades within
its budget when survey-api hangs (SIGSTOP) or is stopped, and recovers when it is back."""

from __future__ import annotations

import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import REPORT_BUDGET_S
from stack import Stack

from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.testing import auth

pytestmark = pytest.mark.e2e

FEDERAL = auth(["federal"], ["RU"])
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
KYA_OPERATOR = auth(["mo_operator"], ["RU-KYA"], sub="kya-operator")
MARGIN_S = 1.5

NOW = datetime.now(UTC)
TODAY = NOW.date()
PERIOD = Period.containing(TODAY, PeriodType.QUARTER).code
UNITS: list[dict[str, Any]] = [
    {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
    {"code": "RU-KYA", "name_ru": "Красноярский край", "level": "region", "parent_code": "RU",
     "timezone": "Asia/Krasnoyarsk"},
    {"code": "RU-KYA-KRS", "name_ru": "г. Красноярск", "level": "municipality", "parent_code": "RU-KYA"},
    {"code": "KYA-GP4", "name_ru": "Городская поликлиника № 4", "level": "organisation", "parent_code": "RU-KYA-KRS"},
]  # fmt: skip


def ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200,)), f"{response.request.url}: {response.text}"
    return dict(response.json())


def answers(q1: str, nps: int) -> dict[str, Any]:
    return {"q1_process": q1, "q2_documents": "yes", "q3_duration": "yes", "q4_simplicity": "rather_yes",
            "q5_support": "yes", "nps": nps}  # fmt: skip


def report(kpi: str, **headers: str) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    response = httpx.get(
        kpi + "/v1/reports/quarterly", params={"period": PERIOD}, headers={**FEDERAL, **headers}, timeout=30
    )
    elapsed = time.monotonic() - started
    return elapsed, ok(response)


def region(body: dict[str, Any], code: str = "RU-KYA") -> dict[str, Any]:
    return dict(next(r for r in body["regions"] if r["region_code"] == code))


@pytest.fixture(scope="module")
def scenario(stack: Stack) -> dict[str, str]:
    kpi, survey, roadmap = (stack.services[k].url for k in ("kpi", "survey", "roadmap"))
    with httpx.Client(timeout=30) as http:
        for unit in UNITS:
            if http.get(f"{kpi}/v1/org-units/{unit['code']}", headers=FEDERAL).status_code == 404:
                ok(http.post(f"{kpi}/v1/org-units", json=unit, headers=FEDERAL), 201)
        indicators = [
            {"code": "E2E_VISITS", "name_ru": "Посещения", "unit": "чел.", "kind": "input",
             "direction": "higher_is_better", "periodicity": "quarter"},
            {"code": "E2E_SAT", "name_ru": "Доля удовлетворённых", "unit": "%", "kind": "input",
             "direction": "higher_is_better", "periodicity": "quarter", "source": "survey",
             "source_metric": "satisfaction_share", "time_aggregation": "last"},
            {"code": "E2E_EXEC", "name_ru": "Исполнение ДК", "unit": "%", "kind": "input",
             "direction": "higher_is_better", "periodicity": "quarter", "source": "roadmap"},
        ]  # fmt: skip
        for body in indicators:
            ok(http.post(f"{kpi}/v1/indicators", json=body, headers=FEDERAL), 201)
        for code, target in (("E2E_VISITS", 1000), ("E2E_SAT", 90), ("E2E_EXEC", 90)):
            items = [{"org_unit_code": "RU-KYA", "period": PERIOD, "target": target}]
            ok(http.put(f"{kpi}/v1/indicators/{code}/targets", json={"items": items}, headers=FEDERAL))
        # survey-api: a campaign at the polyclinic, a kiosk, and its batch
        # (40 answers, 30 satisfied; 24 promoters, 8 detractors).
        campaign = {"code": "e2e-kya", "questionnaire_code": "nsi-standard", "org_unit_codes": ["KYA-GP4"],
                    "starts_on": (TODAY - timedelta(days=120)).isoformat(),
                    "ends_on": (TODAY + timedelta(days=120)).isoformat(), "channels": ["kiosk"]}  # fmt: skip
        ok(http.post(f"{survey}/v1/campaigns", json=campaign, headers=FEDERAL), 201)
        kiosk = ok(
            http.post(
                f"{survey}/v1/kiosks",
                json={"campaign_code": "e2e-kya", "org_unit_code": "KYA-GP4", "name": "Холл"},
                headers=FEDERAL,
            ),
            201,
        )
        submitted = (NOW - timedelta(minutes=5)).isoformat()
        batch = [
            {"id": str(uuid.uuid4()), "submitted_at": submitted,
             "answers": answers("yes" if i < 30 else "no", 10 if i < 24 else 8 if i < 32 else 3)}
            for i in range(40)
        ]  # fmt: skip
        result = ok(
            http.post(
                f"{survey}/v1/responses/batch",
                json={"responses": batch},
                headers={"Authorization": f"Bearer {kiosk['token']}"},
            )
        )
        assert {r["status"] for r in result["results"]} == {"accepted"}
        # kpi-api: the operator enters and submits the polyclinic's value.
        item = {"indicator_code": "E2E_VISITS", "org_unit_code": "KYA-GP4", "period": PERIOD, "value": 1200}
        values = ok(http.post(f"{kpi}/v1/values", json={"items": [item], "submit": True}, headers=KYA_OPERATOR))
        assert values["results"][0]["status"] == "created"
        # The federal report shows approved values only; the region's admin approves (four eyes).
        ok(http.post(f"{kpi}/v1/values/{values['results'][0]['id']}/approve", headers=KYA_ADMIN))
        # roadmap-api: an approved roadmap of the region with two due tasks, one completed on time.
        rid = ok(
            http.post(
                f"{roadmap}/v1/roadmaps",
                json={"region_code": "RU-KYA", "life_situation": "ССЗ", "title": "ДК ССЗ"},
                headers=KYA_ADMIN,
            ),
            201,
        )["id"]
        start = (TODAY - timedelta(days=20)).isoformat()
        due = (TODAY - timedelta(days=2)).isoformat()
        tasks = [
            ok(
                http.post(
                    f"{roadmap}/v1/roadmaps/{rid}/tasks",
                    json={"title": title, "start_date": start, "due_date": due, "responsible": "Минздрав"},
                    headers=KYA_ADMIN,
                ),
                201,
            )["id"]
            for title in ("Открыть кабинет", "Обучить регистраторов")
        ]
        # Draft roadmaps are not in a region's figures: the region approves it before the work.
        ok(http.post(f"{roadmap}/v1/roadmaps/{rid}/status", json={"status": "approved"}, headers=KYA_ADMIN))
        ok(http.patch(f"{roadmap}/v1/tasks/{tasks[0]}", json={"status": "in_progress"}, headers=KYA_ADMIN))
        done = {"status": "done", "completed_on": (TODAY - timedelta(days=3)).isoformat()}
        ok(http.patch(f"{roadmap}/v1/tasks/{tasks[0]}", json=done, headers=KYA_ADMIN))
        refreshed = ok(
            http.post(f"{kpi}/v1/sources/refresh", params={"period": PERIOD, "region": "RU-KYA"}, headers=KYA_ADMIN)
        )
        assert refreshed["unavailable"] == [] and refreshed["values_stored"] > 0
    return {"kpi": kpi}


def test_the_report_reflects_all_three_services(scenario: dict[str, str]) -> None:
    _, body = report(scenario["kpi"], **{"X-Request-ID": "e2e-report-1"})
    assert body["period"] == PERIOD and body["sections_unavailable"] == []
    kya = region(body)
    indicators = {i["indicator_code"]: i for i in kya["indicators"]}
    visits = indicators["E2E_VISITS"]
    assert (visits["value"], visits["target"], visits["status"]) == (1200, 1000, "achieved")
    assert (visits["approved_units"], visits["expected_units"]) == (1, 1)
    sat = indicators["E2E_SAT"]
    assert (sat["value"], sat["n"], sat["sample_ok"]) == (75, 40, True) and sat["data_as_of"]
    assert indicators["E2E_EXEC"]["value"] == 50 and indicators["E2E_EXEC"]["status"] == "off_track"
    assert kya["survey"]["n"] == 40 and kya["survey"]["satisfaction_share"] == 75.0
    assert kya["survey"]["nps"] == 40.0 and kya["survey"]["campaigns"] == ["e2e-kya"]
    assert kya["roadmaps"]["count"] == 1 and kya["roadmaps"]["execution_pct"] == 50.0
    assert kya["roadmaps"]["overdue_tasks"] == 1
    assert kya["completeness"]["received"] >= 1 and kya["completeness"]["approved"] >= 1


def test_a_hanging_survey_api_degrades_within_the_budget_and_recovers(stack: Stack, scenario: dict[str, str]) -> None:
    survey = stack.services["survey"]
    survey.signal(signal.SIGSTOP)
    try:
        elapsed, body = report(scenario["kpi"])
    finally:
        survey.signal(signal.SIGCONT)
    assert elapsed < REPORT_BUDGET_S + MARGIN_S, elapsed
    assert body["sections_unavailable"] == ["survey"]
    kya = region(body)
    assert kya["survey"] is None and kya["roadmaps"]["execution_pct"] == 50.0
    assert {i["indicator_code"] for i in kya["indicators"]} >= {"E2E_SAT", "E2E_VISITS"}  # cached values stay
    _, body = report(scenario["kpi"])
    assert body["sections_unavailable"] == [] and region(body)["survey"]["n"] == 40


def test_a_stopped_survey_api_degrades_and_recovers_after_restart(stack: Stack, scenario: dict[str, str]) -> None:
    stack.services["survey"].stop()
    try:
        elapsed, body = report(scenario["kpi"])
        assert elapsed < REPORT_BUDGET_S + MARGIN_S, elapsed
        assert body["sections_unavailable"] == ["survey"] and region(body)["survey"] is None
    finally:
        stack.start("survey")
    _, body = report(scenario["kpi"])
    assert body["sections_unavailable"] == [] and region(body)["survey"]["satisfaction_share"] == 75.0
