"""Issue 18 item 2: the counts aggregates read (``response_counts``) equal counting the raw rows.

A randomized workload goes through every write path — single responses (online, phone, paper keyed in by
an operator), kiosk batches with repeats inside a batch, resends of stored ids with the same body
(duplicates) and with another (conflicts), the same requests posted concurrently, screened-out
responses, months on both sides of quarter boundaries in two time zones — and then:

* the counts table equals a GROUP BY of ``responses`` written here in plain SQL, row for row;
* every figure of ``GET /v1/aggregates`` and ``GET /v1/aggregates/org-units`` (n, shares, NPS, the
  promoter / passive / detractor counts, intervals, previous periods, significance) equals what the
  same endpoints answer when their counts come from that plain SQL over the raw rows instead.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from survey_api.aggregates.repository import AggregateRepository, GroupCounts, SlotCounts
from zdrav_shared.periods import Period, PeriodType

from .conftest import FEDERAL, MUR_OPERATOR, create_campaign, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")

UNITS = ("MUR-GP1", "MUR-MON-CGB", "KYA-GP4")
PATHS = {"MUR-GP1": "/RU/RU-MUR/", "MUR-MON-CGB": "/RU/RU-MUR/", "KYA-GP4": "/RU/RU-KYA/"}
SATISFACTION = ("yes", "rather_yes", "rather_no", "no", "dont_know")
QUESTIONS = ("q1_process", "q2_documents", "q3_duration", "q4_simplicity", "q5_support")
CHANNELS = ["kiosk", "online", "phone", "paper"]

# The counts over the raw rows, spelled as the aggregates counted them before item 2: ``n`` the
# responses not screened out, the answer counts per satisfaction slot, NPS classes of the counted ones.
RAW_MEASURES = """
  sum(CASE WHEN screened_out THEN 0 ELSE 1 END) AS n,
  sum(CASE WHEN screened_out THEN 1 ELSE 0 END) AS screened_out,
  {slots},
  sum(CASE WHEN NOT screened_out AND nps >= 9 THEN 1 ELSE 0 END) AS promoters,
  sum(CASE WHEN NOT screened_out AND nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
  sum(CASE WHEN NOT screened_out AND nps <= 6 THEN 1 ELSE 0 END) AS detractors
""".replace(
    "{slots}",
    ",\n  ".join(
        f"sum(CASE WHEN sat{i} IN ('yes', 'rather_yes') THEN 1 ELSE 0 END) AS positive{i}, "
        f"sum(CASE WHEN sat{i} IN ('yes', 'rather_yes', 'rather_no', 'no') THEN 1 ELSE 0 END) AS answered{i}, "
        f"sum(CASE WHEN sat{i} = 'dont_know' THEN 1 ELSE 0 END) AS dont_know{i}"
        for i in range(1, 6)
    ),
)
KEYS = "campaign_id, quarter, month, org_unit_path, org_unit_code, channel"
MEASURE_NAMES = [
    "n",
    "screened_out",
    *(f"{m}{i}" for i in range(1, 6) for m in ("positive", "answered", "dont_know")),
    "promoters",
    "passives",
    "detractors",
]


def _answers(rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {code: rng.choice(SATISFACTION) for code in QUESTIONS}
    values["nps"] = rng.randint(0, 10)
    screening = rng.choice([None, "yes", "yes", "no"])
    if screening is not None:
        values["screening"] = screening
    return values


def _item(rng: random.Random) -> dict[str, Any]:
    # 2025 in local time of two zones (+03:00 and +07:00): days near month and quarter ends too.
    start = datetime.fromisoformat("2025-01-01T00:30:00+03:00")
    when = start + timedelta(days=rng.randrange(0, 364), hours=rng.choice([0, 2, 5, 12, 22]))
    return {"id": str(uuid.uuid4()), "submitted_at": when.isoformat(), "answers": _answers(rng)}


def _single(item: dict[str, Any], unit: str, channel: str) -> dict[str, Any]:
    return {**item, "campaign_code": "mur-2025", "org_unit_code": unit, "channel": channel}


async def _post_single(client: httpx.AsyncClient, item: dict[str, Any], unit: str, channel: str) -> int:
    headers = MUR_OPERATOR if channel == "paper" and unit != "KYA-GP4" else FEDERAL
    response = await client.post("/v1/responses", json=_single(item, unit, channel), headers=headers)
    assert response.status_code in (200, 201, 409), response.text
    return response.status_code


async def _post_batch(client: httpx.AsyncClient, kiosk: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    response = await client.post("/v1/responses/batch", json={"responses": items}, headers=kiosk_auth(kiosk))
    assert response.status_code == 200, response.text
    return [r["status"] for r in response.json()["results"]]


async def _workload(client: httpx.AsyncClient, seed: int) -> int:
    """Random requests over every write path; the number of ids stored."""
    rng = random.Random(seed)
    await create_campaign(client, units=UNITS, channels=CHANNELS, minimum_sample=3)
    kiosks = [await register_kiosk(client, org_unit=unit) for unit in UNITS]
    sent: list[tuple[dict[str, Any], str, str]] = []  # (item, unit, channel) as first sent

    def changed(item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "answers": {**item["answers"], "q1_process": "no", "nps": 0}}

    for _ in range(12):
        action = rng.random()
        if action < 0.3:  # single responses, some resent at once, some concurrently
            unit, channel = rng.choice(UNITS), rng.choice(["online", "phone", "paper"])
            item = _item(rng)
            sent.append((item, unit, channel))
            await asyncio.gather(*(_post_single(client, item, unit, channel) for _ in range(rng.randint(1, 3))))
        elif action < 0.7:  # a kiosk batch with new items, repeats inside it and resends of earlier ids
            index = rng.randrange(len(kiosks))
            fresh = [_item(rng) for _ in range(rng.randint(1, 25))]
            sent += [(item, UNITS[index], "kiosk") for item in fresh]
            earlier = [item for item, unit, channel in sent if unit == UNITS[index] and channel == "kiosk"]
            batch = fresh + rng.sample(fresh, min(3, len(fresh))) + rng.sample(earlier, min(4, len(earlier)))
            if earlier and rng.random() < 0.5:
                batch.append(changed(rng.choice(earlier)))  # an id conflict: counted nowhere
            rng.shuffle(batch)
            await _post_batch(client, kiosks[index], batch)
        else:  # the same batch of new ids posted concurrently: each id stored and counted once
            index = rng.randrange(len(kiosks))
            fresh = [_item(rng) for _ in range(rng.randint(2, 15))]
            sent += [(item, UNITS[index], "kiosk") for item in fresh]
            await asyncio.gather(*(_post_batch(client, kiosks[index], fresh) for _ in range(3)))
    # Resends of singles, with the same body and with another (a conflict), concurrently.
    singles = [entry for entry in sent if entry[2] != "kiosk"]
    await asyncio.gather(
        *(
            _post_single(client, item, unit, channel)
            for item, unit, channel in rng.sample(singles, min(5, len(singles)))
        ),
        *(_post_single(client, changed(item), unit, channel) for item, unit, channel in singles[:2]),
    )
    return len({item["id"] for item, _, _ in sent})


async def _rows(app: FastAPI, sql: str) -> list[tuple[Any, ...]]:
    async with app.state.db.engine.connect() as conn:
        return [tuple(row) for row in (await conn.execute(text(sql))).all()]


def _raw_counts(values: Sequence[Any]) -> GroupCounts:
    counts = [int(v or 0) for v in values]
    slots = tuple(SlotCounts(*counts[2 + 3 * i : 5 + 3 * i]) for i in range(5))
    return GroupCounts(counts[0], slots, counts[-3], counts[-2], counts[-1], counts[1])


def _period_sql(period: Period) -> str:
    if period.type is PeriodType.MONTH:
        return f"month = '{period.code}'"
    if period.type is PeriodType.QUARTER:
        return f"quarter = '{period.code}'"
    return f"year = {period.year}"


class RawRows:
    """``AggregateRepository``'s two counting methods as plain SQL over the raw ``responses`` rows."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def counts(
        self,
        *,
        campaign_id: int,
        period: Period,
        subtree_code: str,
        scope_codes: Sequence[str] | None,
        group_by: str | None,
    ) -> dict[str | None, GroupCounts]:
        assert scope_codes is None  # a federal caller
        key = {"org_unit": "org_unit_code", None: "NULL"}.get(group_by, group_by)
        grouping = f" GROUP BY {key}" if group_by else ""
        sql = (
            f"SELECT {key}, {RAW_MEASURES} FROM responses WHERE campaign_id = {campaign_id} "
            f"AND {_period_sql(period)} AND org_unit_path LIKE '%/{subtree_code}/%'{grouping}"
        )
        found = {}
        for row in await _rows(self.app, sql):
            counts = _raw_counts(row[1:])
            if counts.n or counts.screened_out:
                found[row[0]] = counts
        return found

    async def counts_by_path(
        self,
        *,
        campaign_ids: Sequence[int],
        period: Period,
        subtree_codes: Sequence[str],
        scope_codes: Sequence[str] | None,
    ) -> list[tuple[str, int, GroupCounts]]:
        assert scope_codes is None
        subtrees = " OR ".join(f"org_unit_path LIKE '%/{code}/%'" for code in subtree_codes)
        ids = ", ".join(str(i) for i in campaign_ids) or "NULL"
        sql = (
            f"SELECT org_unit_path, campaign_id, {RAW_MEASURES} FROM responses WHERE campaign_id IN ({ids}) "
            f"AND {_period_sql(period)} AND ({subtrees}) GROUP BY org_unit_path, campaign_id"
        )
        found = []
        for path, campaign_id, *values in await _rows(self.app, sql):
            counts = _raw_counts(values)
            slots = (counts.satisfaction[0],) + (SlotCounts(),) * 4
            found.append((path, int(campaign_id), GroupCounts(counts.n, slots, *_nps(counts), counts.screened_out)))
        return found


def _nps(counts: GroupCounts) -> tuple[int, int, int]:
    return counts.promoters, counts.passives, counts.detractors


QUERIES: list[dict[str, str]] = [
    {"org_unit": unit, "period": period, **({"group_by": group} if group else {})}
    for unit in ("RU", "RU-MUR", "MUR-GP1", "KYA-GP4")
    for period in ("2025", "2025Q1", "2025Q2", "2025Q4", "2025-03", "2025-10")
    for group in (None, "org_unit", "channel", "month", "quarter")
    if not (group == "quarter" and "-" in period)
]


async def _answers_of(client: httpx.AsyncClient) -> list[Any]:
    found = []
    for params in QUERIES:
        response = await client.get("/v1/aggregates", params={"campaign": "mur-2025", **params}, headers=FEDERAL)
        assert response.status_code == 200, response.text
        found.append(_figures(response.json()))
    for period in ("2025", "2025Q2", "2025-10"):
        for campaign in ({"campaign": "mur-2025"}, {}):
            response = await client.get(
                "/v1/aggregates/org-units",
                params={"org_units": "RU,RU-MUR,RU-KYA,MUR-GP1,KYA-GP4", "period": period, **campaign},
                headers=FEDERAL,
            )
            assert response.status_code == 200, response.text
            found.append(_figures(response.json()))
    return found


def _figures(answer: dict[str, Any]) -> dict[str, Any]:
    answer.pop("data_as_of")  # when it was asked, not what
    return answer


@pytest.mark.parametrize("seed", [18, 1802])
async def test_counts_and_figures_equal_counting_the_raw_rows(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    stored = await _workload(client, seed)
    # Every id once: the rows, their ids, and the counts hold each stored response exactly once.
    [(rows, ids)] = await _rows(app, "SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM response_ids)")
    [(counted,)] = await _rows(app, "SELECT sum(n + screened_out) FROM response_counts")
    assert rows == ids == counted == stored
    [(screened,)] = await _rows(app, "SELECT count(*) FROM responses WHERE screened_out")
    assert screened > 0  # the workload did reach the screening rule

    # The table, row for row, against a GROUP BY of the raw rows.
    # Summed over the stripes: concurrent writers of one key add to different rows (counting.STRIPES).
    summed = ", ".join(f"sum({name})" for name in MEASURE_NAMES)
    table = await _rows(app, f"SELECT {KEYS}, {summed} FROM response_counts GROUP BY {KEYS} ORDER BY {KEYS}")
    raw = await _rows(app, f"SELECT {KEYS}, {RAW_MEASURES} FROM responses GROUP BY {KEYS} ORDER BY {KEYS}")
    assert [tuple(int(v) if isinstance(v, int) else v for v in row) for row in table] == [
        tuple(int(v) if isinstance(v, int) else v for v in row) for row in raw
    ]
    assert len({row[1] for row in table}) >= 3  # several quarters, several months
    assert len(table) < stored  # a count row per key, not per response

    # Every figure of the endpoints, served from the counts, against the same endpoints over raw rows.
    served = await _answers_of(client)
    raw_rows = RawRows(app)
    monkeypatch.setattr(AggregateRepository, "counts", lambda self, **kw: raw_rows.counts(**kw))
    monkeypatch.setattr(AggregateRepository, "counts_by_path", lambda self, **kw: raw_rows.counts_by_path(**kw))
    from_raw = await _answers_of(client)
    assert len(served) == len(from_raw)
    for params, mine, theirs in zip([*QUERIES, *(["org-units"] * 6)], served, from_raw, strict=True):
        assert mine == theirs, params
    assert any(row["n"] > 0 for answer in served for row in answer["rows"])
