"""Kiosk batches with resends, on both legs (directly and through PgBouncer in transaction mode).

Kiosks send overlapping batches concurrently — each batch twice, some items of each in a later batch
too, single responses resent as well — the shapes that take every path of survey-api's ingestion
(a plain insert, the unique violation that sends a batch again with ON CONFLICT, body hashes of
duplicates, the kiosk counters). Every id must be ``accepted`` exactly once and ``duplicate`` every
other time, stored once, and counted once in its kiosk's ``accepted_count``. Through PgBouncer these
statements run unnamed on whichever server connection each lands on; PgBouncer's own counters show
that they went through it.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pgcluster import PgBouncer
from stack import Stack

from zdrav_shared.testing import auth

pytestmark = pytest.mark.e2e

FEDERAL = auth(["federal"], ["RU"])
CLINICS = ("RESEND-1", "RESEND-2", "RESEND-3")
CAMPAIGN = "e2e-resends"
BATCH = 120
BATCHES_PER_KIOSK = 3
SINGLES = 20


def ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200,)), f"{response.request.url}: {response.text}"
    return dict(response.json())


def _setup(stack: Stack) -> list[dict[str, Any]]:
    kpi, survey = stack.services["kpi"].url, stack.services["survey"].url
    units = [
        {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
        {"code": "RU-TVE", "name_ru": "Тверская область", "level": "region", "parent_code": "RU",
         "timezone": "Europe/Moscow"},
        *({"code": c, "name_ru": c, "level": "organisation", "parent_code": "RU-TVE"} for c in CLINICS),
    ]  # fmt: skip
    today = date.today()
    with httpx.Client(timeout=30, headers=FEDERAL) as client:
        for unit in units:
            if client.get(f"{kpi}/v1/org-units/{unit['code']}").status_code == 404:
                ok(client.post(f"{kpi}/v1/org-units", json=unit), 201)
        campaign = {"code": CAMPAIGN, "questionnaire_code": "nsi-standard", "org_unit_codes": list(CLINICS),
                    "starts_on": str(today - timedelta(days=30)), "ends_on": str(today + timedelta(days=30)),
                    "channels": ["kiosk", "online"]}  # fmt: skip
        ok(client.post(f"{survey}/v1/campaigns", json=campaign), 201)
        return [
            ok(client.post(f"{survey}/v1/kiosks", json={"campaign_code": CAMPAIGN, "org_unit_code": c, "name": c}), 201)
            for c in CLINICS
        ]


def _item(rng: random.Random, now: datetime) -> dict[str, Any]:
    choices = ("yes", "rather_yes", "rather_no", "no", "dont_know")
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "submitted_at": (now - timedelta(seconds=rng.randint(60, 3600))).isoformat(),
        "answers": {
            **{q: rng.choice(choices) for q in ("q1_process", "q2_documents", "q3_duration", "q4_simplicity")},
            "q5_support": rng.choice(choices),
            "nps": rng.randint(0, 10),
        },
    }


def test_resent_batches_are_stored_exactly_once(stack: Stack, pgbouncer: PgBouncer | None) -> None:
    survey = stack.services["survey"].url
    kiosks = _setup(stack)
    rng = random.Random(18)
    now = datetime.now(UTC)
    # Per kiosk: fresh batches, each also sent again, and each later batch repeats half of the one
    # before (a kiosk that lost an acknowledgement and rebuilt its queue).
    sends: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    unique: dict[str, str] = {}
    for kiosk in kiosks:
        previous: list[dict[str, Any]] = []
        for _ in range(BATCHES_PER_KIOSK):
            batch = previous[: BATCH // 2] + [_item(rng, now) for _ in range(BATCH - len(previous[: BATCH // 2]))]
            unique.update({item["id"]: kiosk["id"] for item in batch})
            sends += [(kiosk, batch), (kiosk, batch)]
            previous = batch[BATCH // 2 :]
    rng.shuffle(sends)

    def send(kiosk: dict[str, Any], batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {kiosk['token']}"}
        with httpx.Client(timeout=30) as client:
            for _ in range(20):  # a 429 from the per-kiosk rate limit is waited out
                answer = client.post(f"{survey}/v1/responses/batch", json={"responses": batch}, headers=headers)
                if answer.status_code != 429:
                    break
                time.sleep(float(answer.headers.get("retry-after", "1")))
            results: list[dict[str, Any]] = ok(answer)["results"]
            assert [r["id"] for r in results] == [item["id"] for item in batch]
            return results

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda pair: send(*pair), sends))
    outcomes: dict[str, Counter[str]] = {}
    for results in answers:
        for result in results:
            outcomes.setdefault(result["id"], Counter())[result["status"]] += 1
    assert set(outcomes) == set(unique)
    wrong = {i: c for i, c in outcomes.items() if c["accepted"] != 1 or set(c) - {"accepted", "duplicate"}}
    assert not wrong, list(wrong.items())[:5]

    # Single responses (a user's form), each sent three times.
    singles = [{**_item(rng, now), "campaign_code": CAMPAIGN, "org_unit_code": CLINICS[0], "channel": "online"}
               for _ in range(SINGLES)]  # fmt: skip
    with httpx.Client(timeout=30, headers=FEDERAL) as client:
        statuses = Counter(
            ok(client.post(f"{survey}/v1/responses", json=body), 200, 201).get("status", "accepted")
            for body in singles * 3
        )
    assert statuses["duplicate"] == 2 * SINGLES, statuses

    with httpx.Client(timeout=30, headers=FEDERAL) as client:
        listed = ok(client.get(f"{survey}/v1/kiosks", params={"campaign": CAMPAIGN, "limit": 100}))["items"]
        counted = {k["id"]: k["accepted_count"] for k in listed}
        params = {"campaign": CAMPAIGN, "org_unit": "RU-TVE", "period": str(date.today().year)}
        stored = sum(row["n"] for row in ok(client.get(f"{survey}/v1/aggregates", params=params))["rows"])
    assert stored == len(unique) + SINGLES
    assert counted == dict(Counter(unique.values()))

    if pgbouncer is not None:  # the services' transactions went through PgBouncer
        databases = {s.database for s in stack.services.values()}
        stats = {row["database"]: int(row["total_xact_count"]) for row in pgbouncer.show("STATS")}
        assert all(stats.get(name, 0) > 0 for name in databases), stats
