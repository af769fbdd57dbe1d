"""Fault test: survey-api is killed (SIGKILL) twice while kiosks stream 20,000 responses in batches.

Each kiosk resends every batch until it is acknowledged (every item ``accepted`` or ``duplicate``).
Afterwards PostgreSQL must hold exactly the 20,000 responses sent — none lost, none doubled — and the
kiosks' counters (updated in the same transaction as the rows) must add up to the same 20,000.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from stack import Stack

from zdrav_shared.testing import auth

pytestmark = pytest.mark.fault

TOTAL = 20_000
BATCH = 200
KIOSKS = 4
KILL_AT = (0.3, 0.65)
"""Share of acknowledged batches at which survey-api is killed."""
DEADLINE_S = 90
FEDERAL = auth(["federal"], ["RU"])
ANSWERS = ("yes", "rather_yes", "rather_no", "no", "dont_know")
ORGANISATIONS = [f"MUR-F{i}" for i in range(1, KIOSKS + 1)]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """kpi-api and survey-api on their own PostgreSQL databases (roadmap-api is not needed)."""
    running = Stack(tmp_path)
    running.create()
    try:
        running.start("kpi", "survey")
        yield running
    finally:
        running.drop()


def _setup(stack: Stack) -> list[dict[str, Any]]:
    kpi, survey = stack.services["kpi"].url, stack.services["survey"].url
    units = [
        {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
        {"code": "RU-MUR", "name_ru": "Мурманская область", "level": "region", "parent_code": "RU",
         "timezone": "Europe/Moscow"},
        {"code": "RU-MUR-M1", "name_ru": "Район", "level": "municipality", "parent_code": "RU-MUR"},
        *({"code": c, "name_ru": c, "level": "organisation", "parent_code": "RU-MUR-M1"} for c in ORGANISATIONS),
    ]  # fmt: skip
    with httpx.Client(timeout=10, headers=FEDERAL) as client:
        for unit in units:
            created = client.post(kpi + "/v1/org-units", json=unit)
            assert created.status_code == 201, created.text
        today = date.today()
        campaign = client.post(
            survey + "/v1/campaigns",
            json={
                "code": "fault-kill",
                "questionnaire_code": "nsi-standard",
                "org_unit_codes": ORGANISATIONS,
                "starts_on": str(today - timedelta(days=30)),
                "ends_on": str(today + timedelta(days=30)),
                "channels": ["kiosk"],
            },
        )
        assert campaign.status_code == 201, campaign.text
        kiosks = []
        for code in ORGANISATIONS:
            kiosk = client.post(
                survey + "/v1/kiosks", json={"campaign_code": "fault-kill", "org_unit_code": code, "name": code}
            )
            assert kiosk.status_code == 201, kiosk.text
            kiosks.append(kiosk.json())
    return kiosks


def _batches(rng: random.Random) -> list[list[dict[str, Any]]]:
    now = datetime.now(UTC)
    items = [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "submitted_at": (now - timedelta(seconds=rng.randint(60, 7200))).isoformat(),
            "answers": {
                **{q: rng.choice(ANSWERS) for q in ("q1_process", "q2_documents", "q3_duration", "q4_simplicity")},
                "q5_support": rng.choice(ANSWERS),
                "nps": rng.randint(0, 10),
            },
        }
        for _ in range(TOTAL)
    ]
    return [items[i : i + BATCH] for i in range(0, TOTAL, BATCH)]


class Stream:
    """Kiosks sending their batches, each resent until acknowledged."""

    def __init__(self, url: str, kiosks: list[dict[str, Any]], batches: list[list[dict[str, Any]]]) -> None:
        self.url = url
        self.kiosks = kiosks
        self.batches = batches
        self.acknowledged = 0
        self.attempts = 0
        self.failed_attempts = 0
        self.statuses: dict[str, int] = {}

    async def kiosk(
        self, client: httpx.AsyncClient, kiosk: dict[str, Any], batches: list[list[dict[str, Any]]]
    ) -> None:
        headers = {"Authorization": f"Bearer {kiosk['token']}"}
        for batch in batches:
            pause = 0.05
            while True:
                self.attempts += 1
                try:
                    answer = await client.post(self.url + "/v1/responses/batch", json={"responses": batch},
                                               headers=headers)  # fmt: skip
                except httpx.TransportError:
                    answer = None
                if answer is not None and answer.status_code == 200:
                    results = answer.json()["results"]
                    for result in results:
                        self.statuses[result["status"]] = self.statuses.get(result["status"], 0) + 1
                    rejected = [r for r in results if r["status"] not in ("accepted", "duplicate")]
                    assert not rejected, rejected[:3]
                    assert [r["id"] for r in results] == [item["id"] for item in batch]
                    self.acknowledged += 1
                    break
                self.failed_attempts += 1
                if answer is not None and answer.status_code == 429:
                    await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
                else:
                    assert answer is None or answer.status_code >= 500, (answer.status_code, answer.text)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 0.5)

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            shares = [self.batches[i :: len(self.kiosks)] for i in range(len(self.kiosks))]
            await asyncio.gather(*(self.kiosk(client, k, s) for k, s in zip(self.kiosks, shares, strict=True)))


async def _kill_twice(stack: Stack, stream: Stream, done: asyncio.Event) -> list[tuple[int, float]]:
    """SIGKILL survey-api when KILL_AT shares of the batches are acknowledged, restart it at once."""
    survey = stack.services["survey"]
    kills = []
    for share in KILL_AT:
        while stream.acknowledged < share * len(stream.batches):
            assert not done.is_set(), "the stream finished before survey-api could be killed"
            await asyncio.sleep(0.01)
        kills.append((stream.acknowledged, time.monotonic()))
        survey.stop(kill=True)
        await asyncio.to_thread(stack.start, "survey")
    return kills


def test_no_response_lost_or_doubled_when_survey_api_is_killed(stack: Stack) -> None:
    kiosks = _setup(stack)
    batches = _batches(random.Random(20_000))
    stream = Stream(stack.services["survey"].url, kiosks, batches)

    async def scenario() -> list[tuple[int, float]]:
        done = asyncio.Event()
        killer = asyncio.create_task(_kill_twice(stack, stream, done))
        await asyncio.wait_for(stream.run(), DEADLINE_S)
        done.set()
        return await killer

    started = time.monotonic()
    kills = asyncio.run(scenario())
    elapsed = time.monotonic() - started
    assert len(kills) == 2 and all(acked < len(batches) for acked, _ in kills), kills
    assert stream.acknowledged == len(batches)
    assert stream.failed_attempts > 0, "no request failed: the kills did not hit the stream"

    async def stored() -> tuple[Any, ...]:
        url = stack.services["survey"].database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        conn = await asyncpg.connect(url)
        try:
            count, distinct = await conn.fetchrow("SELECT count(*), count(DISTINCT id) FROM responses")
            ids = {str(r["id"]) for r in await conn.fetch("SELECT id FROM responses")}
            counted = await conn.fetchval("SELECT sum(accepted_count) FROM kiosks")
            return count, distinct, ids, counted
        finally:
            await conn.close()

    count, distinct, ids, counted = asyncio.run(stored())
    sent = {item["id"] for batch in batches for item in batch}
    assert len(sent) == TOTAL
    assert (count, distinct) == (TOTAL, TOTAL)
    assert ids == sent
    assert counted == TOTAL, "kiosk counters and stored rows disagree"
    assert stream.statuses.get("accepted", 0) <= TOTAL
    print(
        f"\n{TOTAL} responses in {len(batches)} batches through 2 SIGKILLs (at {[k[0] for k in kills]} acknowledged "
        f"batches) in {elapsed:.1f} s: {stream.attempts} attempts, {stream.failed_attempts} failed and retried, "
        f"statuses {stream.statuses}"
    )
