"""Analytics' aggregate cache (kpi_api.aggregate_cache) never serves a figure the values no longer give.

The oracle is analytics itself with the cache emptied: after a randomized workload of writes, submissions,
approvals and reopenings at every level of the tree (regions' own figures shadowed by their
organisations', cells with no number, ratios), every answer — read through whatever the cache holds by
then, and read again warm — must equal the answer computed from the values alone. A race test holds a
read between its generations and its values while a write commits: the figure it stores must never be
served.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from kpi_api.analytics.repository import AnalyticsRepository
from kpi_api.models import CachedAggregate, ValueGeneration

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, create_indicator, item, post_values

pytestmark = pytest.mark.usefixtures("org_tree")

UNITS = ["MUR-A", "MUR-B", "KYA-A", "RU-MUR-MUR", "RU-MUR", "RU-KYA"]
MONTHS = [f"2025-{m:02d}" for m in range(1, 7)]
INDICATORS: dict[str, dict[str, Any]] = {
    "SUMS": {"aggregation": "sum", "time_aggregation": "sum"},
    "MEANS": {"aggregation": "average", "time_aggregation": "average", "precision": 2},
    "PEAK": {"aggregation": "max", "time_aggregation": "max"},
    "LOWEST": {"aggregation": "min", "time_aggregation": "min"},
    "STOCK": {"aggregation": "sum", "time_aggregation": "last"},
    "MEAN_OF_SUMS": {"aggregation": "average", "time_aggregation": "sum", "precision": 3},
    "AT_ORGS": {"aggregation": "sum", "time_aggregation": "sum", "reporting_level": "organisation"},
    "SHARE": {"aggregation": "ratio", "unit": "%", "precision": 2},
}
FORMULA = {"code": "PER_SHARE", "formula": "SUMS / MEANS * 100", "kind": "formula", "precision": 2}
QUERIES: list[tuple[dict[str, str], dict[str, str]]] = [
    ({"org_units": "RU,RU-MUR,RU-KYA,RU-MUR-MUR,MUR-A,KYA-A", "periods": "2025Q1,2025Q2,2025-03"}, FEDERAL),
    ({"org_units": "RU,RU-MUR,RU-KYA", "periods": "2025Q2", "ytd": "true", "data": "approved"}, FEDERAL),
    ({"org_units": "RU-MUR,MUR-B", "periods": "2025Q1,2025Q2", "data": "all", "previous": "true"}, MUR_ADMIN),
    ({"org_units": "RU", "parent": "RU", "level": "organisation", "periods": "2025Q2"}, FEDERAL),
]


@pytest.fixture
async def catalogue(client: httpx.AsyncClient) -> None:
    for code, overrides in INDICATORS.items():
        await create_indicator(client, code, periodicity="month", **overrides)
    await create_indicator(client, periodicity="month", **FORMULA)


def _figure(rng: random.Random, code: str, unit: str, period: str) -> dict[str, Any]:
    if rng.random() < 0.08:
        return item(code, unit, period, None, state=rng.choice(["not_applicable", "no_post", "not_reported"]))
    if code == "SHARE":
        body = {"indicator_code": code, "org_unit_code": unit, "period": period}
        return {**body, "numerator": rng.randint(0, 50), "denominator": rng.randint(51, 90)}
    return item(code, unit, period, rng.randint(0, 400) / rng.choice([1, 4]))


def _approver(unit: str) -> dict[str, str]:
    region = "KYA" if "KYA" in unit else "MUR"
    return KYA_ADMIN if region == "KYA" else MUR_ADMIN


async def _step(client: httpx.AsyncClient, rng: random.Random, ids: dict[int, str]) -> None:
    """One random change: new or changed figures (some submitted), or a submission, approval or reopening."""
    action = rng.random()
    if action < 0.5 or not ids:
        items = [
            _figure(rng, rng.choice(list(INDICATORS)), rng.choice(UNITS), rng.choice(MONTHS))
            for _ in range(rng.randint(1, 6))
        ]
        unique = list({(i["indicator_code"], i["org_unit_code"], i["period"]): i for i in items}.values())
        for result in await post_values(client, unique, submit=rng.random() < 0.5):
            if result["status"] != "rejected":
                ids[result["id"]] = unique[result["index"]]["org_unit_code"]
        return
    value_id = rng.choice(sorted(ids))
    unit = ids[value_id]
    if action < 0.7:
        await client.post(f"/v1/values/{value_id}/submit", headers=FEDERAL)
    elif action < 0.9:
        await client.post(f"/v1/values/{value_id}/approve", headers=_approver(unit))
    else:
        await client.post(f"/v1/values/{value_id}/reopen", json={"reason": "исправление"}, headers=_approver(unit))


def _figures(answer: dict[str, Any]) -> list[tuple[Any, ...]]:
    keys = ("indicator_code", "org_unit_code", "period", "value", "reason", "numerator", "denominator")
    return [(*(row[k] for k in keys), row["reported_units"], row.get("previous_value")) for row in answer["rows"]]


async def _read(client: httpx.AsyncClient, params: dict[str, str], headers: dict[str, str]) -> list[tuple[Any, ...]]:
    codes = ",".join([*INDICATORS, FORMULA["code"]])
    response = await client.get("/v1/analytics", params={"indicators": codes, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return _figures(response.json())


async def _empty_cache(app: FastAPI) -> None:
    async with app.state.db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM aggregate_cache"))


async def _cached_rows(app: FastAPI) -> int:
    async with app.state.db.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(CachedAggregate))).scalar_one())


@pytest.mark.usefixtures("catalogue")
async def test_a_randomized_workload_reads_what_the_values_give(client: httpx.AsyncClient, app: FastAPI) -> None:
    rng = random.Random(18)
    ids: dict[int, str] = {}
    checked = 0
    for round_ in range(12):
        for _ in range(rng.randint(1, 5)):
            await _step(client, rng, ids)
        for params, headers in QUERIES:
            through_cache = await _read(client, params, headers)  # whatever the cache holds since the last round
            await _empty_cache(app)
            fresh = await _read(client, params, headers)  # from the values alone
            warm = await _read(client, params, headers)  # every figure from the cache
            assert through_cache == fresh, (round_, params)
            assert warm == fresh, (round_, params)
            checked += len(fresh)
    assert await _cached_rows(app) > 0
    assert checked > 2000
    assert any(row[3] is not None for row in fresh)


@pytest.mark.usefixtures("catalogue")
async def test_every_write_bumps_its_regions_generation(client: httpx.AsyncClient, app: FastAPI) -> None:
    async def generations() -> dict[str, int]:
        async with app.state.db.engine.connect() as conn:
            rows = (await conn.execute(select(ValueGeneration.region_path, ValueGeneration.generation))).all()
        return {path: generation for path, generation in rows}

    [created] = await post_values(client, [item("SUMS", "MUR-A", "2025-01", 5)])
    assert await generations() == {"/RU/RU-MUR/": 1}
    await post_values(client, [item("SUMS", "MUR-A", "2025-01", 6), item("SUMS", "KYA-A", "2025-01", 1)])
    assert await generations() == {"/RU/RU-MUR/": 2, "/RU/RU-KYA/": 1}
    assert (await client.post(f"/v1/values/{created['id']}/submit", headers=FEDERAL)).status_code == 200
    assert (await client.post(f"/v1/values/{created['id']}/approve", headers=MUR_ADMIN)).status_code == 200
    assert await generations() == {"/RU/RU-MUR/": 4, "/RU/RU-KYA/": 1}
    # A refused write (approving twice) commits nothing and bumps nothing.
    assert (await client.post(f"/v1/values/{created['id']}/approve", headers=MUR_ADMIN)).status_code == 409
    assert await generations() == {"/RU/RU-MUR/": 4, "/RU/RU-KYA/": 1}


@pytest.mark.usefixtures("catalogue")
async def test_a_figure_computed_before_a_write_committed_is_never_served(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read takes the generations and computes its figure from the values as they were, then waits
    while a write commits, then stores the figure: stored at the generation read before the values, it
    is stale at once, so the next read computes again. (Were the generation read after the values, the
    old figure would be stored under the new generation and served from then on.)"""
    await post_values(client, [item("SUMS", "MUR-A", "2025-04", 10), item("SUMS", "MUR-B", "2025-04", 20)])
    params = {"indicators": "SUMS", "org_units": "RU-MUR,RU-MUR-MUR", "periods": "2025Q2", "data": "all"}
    computing, written = asyncio.Event(), asyncio.Event()
    original = AnalyticsRepository.aggregate

    async def held(self: AnalyticsRepository, *args: Any, **kwargs: Any) -> Any:
        found = await original(self, *args, **kwargs)  # the values before the write
        computing.set()
        await written.wait()
        return found

    monkeypatch.setattr(AnalyticsRepository, "aggregate", held)

    async def write() -> None:
        await computing.wait()
        await post_values(client, [item("SUMS", "MUR-A", "2025-04", 1000)])
        written.set()

    raced, _ = await asyncio.gather(client.get("/v1/analytics", params=params, headers=MUR_ADMIN), write())
    assert raced.status_code == 200, raced.text
    monkeypatch.setattr(AnalyticsRepository, "aggregate", original)
    for _ in range(2):  # recomputed, then served from the cache: the write is in both
        response = await client.get("/v1/analytics", params=params, headers=MUR_ADMIN)
        assert {r["org_unit_code"]: r["value"] for r in response.json()["rows"]} == {"RU-MUR": 1020, "RU-MUR-MUR": 1000}


@pytest.mark.usefixtures("catalogue")
async def test_a_changed_definition_reads_its_own_figures(client: httpx.AsyncClient) -> None:
    await post_values(client, [item("PEAK", "MUR-A", f"2025-0{m}", 10 * m) for m in (4, 5, 6)], submit=True)
    params = {"indicators": "PEAK", "org_units": "RU-MUR", "periods": "2025Q2"}
    first = await client.get("/v1/analytics", params=params, headers=FEDERAL)
    assert first.json()["rows"][0]["value"] == 60
    changed = await client.patch("/v1/indicators/PEAK", json={"time_aggregation": "sum"}, headers=FEDERAL)
    assert changed.status_code == 200, changed.text
    again = await client.get("/v1/analytics", params=params, headers=FEDERAL)
    assert again.json()["rows"][0]["value"] == 150
