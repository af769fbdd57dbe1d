"""The detractor loop through the three services as real processes on PostgreSQL (issue 17 item 4).

survey-api stores a detractor's response with a comment and writes ``response.detractor`` into its
outbox; its webhook worker delivers it, signed, to roadmap-api's receiver (subscribed through
``POST /v1/webhooks`` as `make run` does); roadmap-api opens one follow-up — a task on the region's
approved roadmap, due two working days later — and a resend of the response or a replay of the
delivery opens no second one. A detractor without a comment and a promoter open nothing. Completing
the follow-up an hour after the submission makes the region's summary 1 of 1 within 48 h, and kpi-api
pulls the same share into an indicator mapped to ``followup_48h``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from conftest import DETRACTOR_SECRET
from stack import Stack

from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.production_calendar import add_working_days
from zdrav_shared.testing import auth

pytestmark = pytest.mark.e2e

T = TypeVar("T")
FEDERAL = auth(["federal"], ["RU"])
REGION, CLINIC, CAMPAIGN = "RU-NIZ", "NIZ-GP7", "e2e-detractors"
NIZ_ADMIN = auth(["regional_admin"], [REGION], sub="niz-admin")
ZONE = "Europe/Moscow"
DEADLINE_S = 60.0  # the worker polls every second; a busy 2-core box may take a while
UNITS: list[dict[str, Any]] = [
    {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
    {"code": REGION, "name_ru": "Нижегородская область", "level": "region", "parent_code": "RU", "timezone": ZONE},
    {"code": CLINIC, "name_ru": "Городская поликлиника № 7", "level": "organisation", "parent_code": REGION},
]  # fmt: skip
COMMENT = "Очередь в регистратуру 40 минут, перезвоните 8 912 345-67-89"


def ok(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200,)), f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def wait_for(what: str, probe: Callable[[], T | None]) -> T:
    """Poll ``probe`` until it returns something, or fail after DEADLINE_S saying what never came."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {DEADLINE_S} s")
        time.sleep(0.25)


def response(nps: int, comment: str | None, submitted_at: datetime) -> dict[str, Any]:
    answers: dict[str, Any] = {"q1_process": "no" if nps <= 6 else "yes", "q2_documents": "yes", "q3_duration": "no",
                               "q4_simplicity": "rather_no", "q5_support": "yes", "nps": nps}  # fmt: skip
    if comment is not None:
        answers["comment"] = comment
    return {"id": str(uuid.uuid4()), "campaign_code": CAMPAIGN, "org_unit_code": CLINIC, "channel": "online",
            "submitted_at": submitted_at.isoformat(), "answers": answers}  # fmt: skip


def _setup(http: httpx.Client, kpi: str, survey: str, roadmap: str) -> int:
    """Org units, the campaign, and the region's approved roadmap; returns the roadmap's id."""
    for unit in UNITS:
        if http.get(f"{kpi}/v1/org-units/{unit['code']}", headers=FEDERAL).status_code == 404:
            ok(http.post(f"{kpi}/v1/org-units", json=unit, headers=FEDERAL), 201)
    today = datetime.now(UTC).date()
    campaign = {"code": CAMPAIGN, "questionnaire_code": "nsi-standard", "org_unit_codes": [CLINIC],
                "starts_on": str(today - timedelta(days=30)), "ends_on": str(today + timedelta(days=30)),
                "channels": ["online"]}  # fmt: skip
    ok(http.post(f"{survey}/v1/campaigns", json=campaign, headers=FEDERAL), 201)
    body = {"region_code": REGION, "life_situation": "Прикрепление", "title": "ДК: запись и регистратура"}
    rid = int(ok(http.post(f"{roadmap}/v1/roadmaps", json=body, headers=NIZ_ADMIN), 201)["id"])
    task = {"title": "Открыть второе окно регистратуры", "start_date": str(today - timedelta(days=10)),
            "due_date": str(today + timedelta(days=60)), "responsible": "Главный врач",
            "org_unit_code": CLINIC}  # fmt: skip
    ok(http.post(f"{roadmap}/v1/roadmaps/{rid}/tasks", json=task, headers=NIZ_ADMIN), 201)
    ok(http.post(f"{roadmap}/v1/roadmaps/{rid}/status", json={"status": "approved"}, headers=NIZ_ADMIN))
    return rid


def test_a_commented_detractor_becomes_one_followup_counted_within_48h(stack: Stack) -> None:
    kpi, survey, roadmap = (stack.services[k].url for k in ("kpi", "survey", "roadmap"))
    submitted_at = datetime.now(UTC) - timedelta(hours=1)
    local_day = submitted_at.astimezone(ZoneInfo(ZONE)).date()
    period = Period.containing(local_day, PeriodType.QUARTER).code
    with httpx.Client(timeout=30) as http:
        rid = _setup(http, kpi, survey, roadmap)
        hook = {"url": f"{roadmap}/v1/followups/detractors", "events": ["response.detractor"],
                "secret": DETRACTOR_SECRET}  # fmt: skip
        webhook = ok(http.post(f"{survey}/v1/webhooks", json=hook, headers=FEDERAL), 201)["id"]
        try:
            _loop(http, kpi, survey, roadmap, webhook, rid, submitted_at, period)
        finally:  # the later tests' thousands of kiosk detractors need not be delivered
            ok(http.delete(f"{survey}/v1/webhooks/{webhook}", headers=FEDERAL), 204)


def _loop(
    http: httpx.Client, kpi: str, survey: str, roadmap: str, webhook: int, rid: int, submitted_at: datetime, period: str
) -> None:
    silent, promoter = response(3, None, submitted_at), response(10, "Спасибо врачу", submitted_at)
    detractor = response(2, COMMENT, submitted_at)
    for body in (silent, promoter, detractor):
        ok(http.post(f"{survey}/v1/responses", json=body, headers=FEDERAL), 200, 201)

    def followups() -> list[dict[str, Any]]:
        page = ok(http.get(f"{roadmap}/v1/followups", params={"region": REGION, "limit": 100}, headers=FEDERAL))
        return list(page["items"])

    def deliveries() -> list[dict[str, Any]]:
        listed = ok(http.get(f"{survey}/v1/webhooks/{webhook}/deliveries", headers=FEDERAL))
        return [d for d in listed if d["subject"] in {f"response:{silent['id']}", f"response:{detractor['id']}"}]

    def all_delivered() -> list[dict[str, Any]] | None:
        found = deliveries()
        return found if found and all(d["status"] == "delivered" for d in found) else None

    opened = wait_for("follow-up of the detractor", lambda: next(iter(followups()), None))
    # Both detractors' events were delivered (the promoter has none); only the commented one opened work.
    delivered = {d["subject"]: d for d in wait_for("delivered detractor events", all_delivered)}
    assert set(delivered) == {f"response:{silent['id']}", f"response:{detractor['id']}"}
    assert delivered[f"response:{detractor['id']}"]["last_status_code"] == 201
    assert delivered[f"response:{silent['id']}"]["last_status_code"] == 200  # ignored: no comment
    assert [f["response_id"] for f in followups()] == [detractor["id"]]
    assert (opened["org_unit_code"], opened["region_code"], opened["nps"]) == (CLINIC, REGION, 2)
    assert opened["via"] == "webhook" and opened["status"] == "open" and opened["within_48h"] is None
    assert "[phone]" in opened["comment"] and "345-67-89" not in opened["comment"]  # masked by survey-api
    local_day = submitted_at.astimezone(ZoneInfo(ZONE)).date()
    assert opened["due_date"] == str(add_working_days(local_day, 2))
    assert (opened["target"], opened["roadmap_id"]) == ("roadmap", rid) and opened["task_id"] is not None
    task = ok(http.get(f"{roadmap}/v1/tasks/{opened['task_id']}", headers=NIZ_ADMIN))
    assert (task["roadmap_id"], task["org_unit_code"], task["due_date"]) == (rid, CLINIC, opened["due_date"])
    assert task["status"] != "done"

    # The same response again is a duplicate: no second event, no second follow-up.
    assert ok(http.post(f"{survey}/v1/responses", json=detractor, headers=FEDERAL), 200)["status"] == "duplicate"
    assert len(deliveries()) == 2
    # A replay of the delivery reaches roadmap-api, which answers with the existing follow-up.
    original = delivered[f"response:{detractor['id']}"]["delivery_id"]
    replay_url = f"{survey}/v1/webhooks/{webhook}/deliveries/{original}/replay"
    replay = ok(http.post(replay_url, headers=FEDERAL), 202)["delivery_id"]
    replayed = wait_for(
        "delivered replay",
        lambda: next((d for d in deliveries() if d["delivery_id"] == replay and d["status"] == "delivered"), None),
    )
    assert replayed["replay_of"] == original and replayed["last_status_code"] == 200
    assert [f["id"] for f in followups()] == [opened["id"]]

    def summary() -> dict[str, Any]:
        params = {"period": period, "region": REGION, "group_by": "org_unit"}
        rows = ok(http.get(f"{roadmap}/v1/followups/summary", params=params, headers=FEDERAL))["rows"]
        return next(r for r in rows if r["org_unit_code"] == CLINIC)

    before = summary()
    assert (before["detractors"], before["followed_up_48h"], before["pending"]) == (1, 0, 1)

    # kpi-api pulls the share into an indicator mapped to followup_48h: 0 of 1 now …
    indicator = {"code": "E2E_FOLLOWUP_48H", "name_ru": "Доля критиков, отработанных за 48 ч", "unit": "%",
                 "kind": "input", "aggregation": "ratio", "direction": "higher_is_better", "periodicity": "quarter",
                 "source": "roadmap", "source_metric": "followup_48h"}  # fmt: skip
    ok(http.post(f"{kpi}/v1/indicators", json=indicator, headers=FEDERAL), 201)
    assert pulled(http, kpi, period) == {CLINIC: (0.0, 0, 1), REGION: (0.0, 0, 1)}

    # … the clinic answers an hour after the patient: done within 48 h, the task with it.
    done = ok(
        http.post(
            f"{roadmap}/v1/followups/{opened['id']}/complete",
            json={"resolution": "Позвонили пациенту, открыли второе окно"},
            headers=NIZ_ADMIN,
        )
    )
    assert (done["status"], done["within_48h"]) == ("done", True)
    assert ok(http.get(f"{roadmap}/v1/tasks/{opened['task_id']}", headers=NIZ_ADMIN))["status"] == "done"
    after = summary()
    assert (after["detractors"], after["followed_up_48h"], after["pending"], after["overdue"]) == (1, 1, 0, 0)
    assert float(after["share"]) == 100.0
    share = float(after["share"])
    assert pulled(http, kpi, period) == {CLINIC: (share, 1, 1), REGION: (share, 1, 1)}


def pulled(http: httpx.Client, kpi: str, period: str) -> dict[str, tuple[float | None, int, int]]:
    """Refresh kpi-api's pulled values for the region; the indicator's (value, numerator, denominator)."""
    refreshed = ok(http.post(f"{kpi}/v1/sources/refresh", params={"period": period, "region": REGION}, headers=FEDERAL))
    assert refreshed["unavailable"] == [] and "E2E_FOLLOWUP_48H" in refreshed["indicators"]
    params = {"indicators": "E2E_FOLLOWUP_48H", "org_units": f"{CLINIC},{REGION}", "periods": period}
    rows = ok(http.get(f"{kpi}/v1/analytics", params=params, headers=FEDERAL))["rows"]
    return {
        r["org_unit_code"]: (None if r["value"] is None else float(r["value"]), r["numerator"], r["denominator"])
        for r in rows
    }
