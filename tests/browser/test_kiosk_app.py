"""The reference kiosk web app (survey-api ``/kiosk/``) in a real headless Chromium (issue 17):

* set up once with a kiosk token, then 20 questionnaires answered with the network off — the page
  reloaded in the middle, served by its service worker — and exactly 20 stored once it is back;
* the network cut while a batch is on its way (the server stored it, the answer never arrived):
  the resend is a ``duplicate`` and nothing is doubled;
* an item the server rejects is kept aside and shown to the operator, never dropped;
* screenshots of the form (1024×768 and 1280×800) and of the queue into ``docs/img/`` when
  ``ZDRAV_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import Zdrav
from stack import ROOT

CAMPAIGN = f"kiosk-app-{uuid.uuid4().hex[:6]}"
ORG = "BRW-GP1"
SHOTS = ROOT / "docs" / "img"
SATISFACTION = ("q1_process", "q2_documents", "q3_duration", "q4_simplicity", "q5_support")


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.request.method, response.request.url, response.text)
    return response.json()


@pytest.fixture(scope="module")
def kiosk(zdrav: Zdrav) -> dict[str, Any]:
    """A region, a polyclinic, a campaign of nsi-standard over this year and a kiosk there."""
    federal = {"Authorization": f"Bearer {zdrav.token('federal', 'RU')}"}
    units = [
        {"code": "RU", "name_ru": "Российская Федерация", "parent_code": None, "level": "federation"},
        {"code": "RU-BRW", "name_ru": "Тестовый регион", "parent_code": "RU", "level": "region",
         "timezone": "Europe/Moscow"},
        {"code": ORG, "name_ru": "Городская поликлиника № 1", "parent_code": "RU-BRW", "level": "organisation",
         "kind": "adult_polyclinic"},
    ]  # fmt: skip
    with httpx.Client(timeout=30) as http:
        for unit in units:
            if http.get(f"{zdrav.kpi}/v1/org-units/{unit['code']}", headers=federal).status_code == 404:
                _ok(http.post(f"{zdrav.kpi}/v1/org-units", json=unit, headers=federal))
        year = date.today().year
        _ok(
            http.post(
                f"{zdrav.survey}/v1/campaigns",
                json={
                    "code": CAMPAIGN,
                    "questionnaire_code": "nsi-standard",
                    "org_unit_codes": [ORG],
                    "starts_on": f"{year - 1}-01-01",
                    "ends_on": f"{year + 1}-12-31",
                    "channels": ["kiosk"],
                },
                headers=federal,
            )
        )
        created = _ok(
            http.post(
                f"{zdrav.survey}/v1/kiosks",
                json={"campaign_code": CAMPAIGN, "org_unit_code": ORG, "name": "Холл 1 этажа"},
                headers=federal,
            )
        )
    return {**created, "federal": federal}


def stored(zdrav: Zdrav, kiosk: dict[str, Any]) -> dict[str, Any]:
    """The kiosk's counters and the campaign's stored responses, read through the API."""
    with httpx.Client(timeout=30) as http:
        counters = _ok(http.get(f"{zdrav.survey}/v1/kiosks/{kiosk['id']}", headers=kiosk["federal"]))
        export = http.get(
            f"{zdrav.survey}/v1/exports/responses",
            params={"campaign": CAMPAIGN, "period": str(date.today().year), "dialect": "plain", "org_unit": ORG},
            headers=kiosk["federal"],
        )
    assert export.status_code == 200, export.text
    lines = export.content.decode("utf-8-sig").strip().splitlines()[1:]
    ids = [line.split(",", 1)[0] for line in lines]
    return {"counters": counters, "ids": ids}


def answer_one(page: Any, nps: int) -> None:
    """Fill the form as a patient would (taps on the big buttons) and send it."""
    page.wait_for_selector("#survey:not([hidden])")
    screening = page.locator('.question[data-code="screening"] .choice[data-value=\'"yes"\']')
    if screening.count():
        screening.click()
    for code in SATISFACTION:
        page.click(f'.question[data-code="{code}"] .choice[data-value=\'"rather_yes"\']')
    page.click(f'.question[data-code="nps"] .choice[data-value="{nps}"]')
    page.click("#submit")
    page.wait_for_selector("#thanks:not([hidden])")
    page.click("#again")


def pending(page: Any) -> int:
    return int(page.get_attribute("#queue-status", "data-pending") or "-1")


def wait_pending(page: Any, count: int, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        "n => document.querySelector('#queue-status').dataset.pending === String(n)", arg=count, timeout=timeout_ms
    )


def test_twenty_offline_answers_with_a_reload_are_stored_exactly_once(
    chromium: Any, zdrav: Zdrav, kiosk: dict[str, Any]
) -> None:
    context = chromium.new_context(viewport={"width": 1024, "height": 768}, locale="ru-RU")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(zdrav.survey + "/kiosk/")
    page.fill("#token", kiosk["token"])
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#survey:not([hidden])")
    # The service worker has taken the page over: from here on the app opens with no network.
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
    shoot(page, "kiosk-form-1024x768.png")

    context.set_offline(True)
    for n in range(10):
        answer_one(page, nps=n % 11)
    assert pending(page) == 10
    page.reload()  # offline: the shell comes from the service worker, the queue from IndexedDB
    page.wait_for_selector("#survey:not([hidden])")
    wait_pending(page, 10)
    for n in range(10, 20):
        answer_one(page, nps=n % 11)
    assert pending(page) == 20
    assert "20 ждут отправки" in page.inner_text("#queue-status")
    assert stored(zdrav, kiosk)["ids"] == []

    context.set_offline(False)  # the "online" event sends the queue without a reload
    wait_pending(page, 0)
    after = stored(zdrav, kiosk)
    assert len(after["ids"]) == len(set(after["ids"])) == 20
    assert after["counters"]["accepted_count"] == 20
    assert not errors, errors
    context.close()


def test_a_batch_cut_off_in_flight_is_not_doubled(chromium: Any, zdrav: Zdrav, kiosk: dict[str, Any]) -> None:
    before = stored(zdrav, kiosk)
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    page = context.new_page()
    page.goto(zdrav.survey + "/kiosk/")
    page.fill("#token", kiosk["token"])
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#survey:not([hidden])")
    shoot(page, "kiosk-form-1280x800.png")

    cut: list[int] = []

    def deliver_then_cut(route: Any) -> None:
        # The batch reaches the server and is stored; the answer is lost on the way back.
        answer = route.fetch()
        cut.append(answer.status)
        route.abort("internetdisconnected")

    context.set_offline(True)
    for n in range(5):
        answer_one(page, nps=n)
    page.route("**/v1/responses/batch", deliver_then_cut)
    context.set_offline(False)
    # The page still says "offline" from before until the batch goes out: wait for the batch itself
    # (the route handler runs while Playwright waits), then for the page to see the cut.
    for _ in range(300):
        if cut:
            break
        page.wait_for_timeout(100)
    page.wait_for_function("() => document.querySelector('#network').dataset.state === 'offline'")
    assert cut and cut[0] == 200
    assert pending(page) == 5  # nothing was acknowledged, so nothing left the queue
    page.unroute("**/v1/responses/batch")
    page.click("#queue-status")
    page.click("#send-now")
    wait_pending(page, 0)
    after = stored(zdrav, kiosk)
    new = [i for i in after["ids"] if i not in before["ids"]]
    assert len(new) == len(set(new)) == 5
    assert after["counters"]["accepted_count"] - before["counters"]["accepted_count"] == 5
    assert after["counters"]["duplicate_count"] - before["counters"]["duplicate_count"] == 5
    context.close()


def test_a_rejected_answer_is_kept_aside_and_shown(chromium: Any, zdrav: Zdrav, kiosk: dict[str, Any]) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    page = context.new_page()
    page.goto(zdrav.survey + "/kiosk/")
    page.fill("#token", kiosk["token"])
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#survey:not([hidden])")
    context.set_offline(True)
    answer_one(page, nps=10)
    # An answer the server will refuse (an NPS of 11), queued as a stale app version might have.
    page.evaluate(
        """async ([campaign, org]) => {
            const db = await new Promise((ok, no) => { const r = indexedDB.open("zdrav-kiosk", 1);
                r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
            await new Promise((ok, no) => { const tx = db.transaction("queue", "readwrite");
                tx.objectStore("queue").put({id: crypto.randomUUID(), submitted_at: new Date().toISOString(),
                    answers: {q1_process: "yes", q2_documents: "yes", q3_duration: "yes", q4_simplicity: "yes",
                              q5_support: "yes", nps: 11},
                    campaign_code: campaign, org_unit_code: org, seq: Date.now() + 1});
                tx.oncomplete = ok; tx.onerror = () => no(tx.error); });
        }""",
        [CAMPAIGN, ORG],
    )
    context.set_offline(False)
    page.click("#queue-status")
    page.click("#send-now")
    wait_pending(page, 0)
    page.wait_for_selector("#rejected-list li")
    items = page.locator("#rejected-list li").all_inner_texts()
    assert len(items) == 1 and "nps" in items[0], items
    assert page.get_attribute("#queue-status", "data-rejected") == "true"
    shoot(page, "kiosk-queue.png")
    context.close()


def shoot(page: Any, name: str) -> None:
    if os.environ.get("ZDRAV_UPDATE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=False)
