"""Odd input must get a 4xx that says what to fix, never a 500; less common aggregations add up."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from zdrav_shared.pagination import encode_cursor

from .conftest import FEDERAL, create_indicator, item
from .conftest import post_values as post_drafts


async def post_values(client: httpx.AsyncClient, items: list[dict[str, Any]], **extra: Any) -> list[dict[str, Any]]:
    """Submitted values: analytics reads submitted and approved ones by default (drafts need data=all)."""
    return await post_drafts(client, items, submit=True, **extra)


@pytest.fixture
async def monthly(client: httpx.AsyncClient, org_tree: None) -> None:
    await create_indicator(client, "WAIT", periodicity="month", aggregation="max", time_aggregation="average")
    await create_indicator(client, "BEDS", periodicity="month", aggregation="last", time_aggregation="min")
    await create_indicator(client, "G", formula="(WAIT - prev(WAIT)) * 100 / prev(WAIT)")
    items = []
    for month, a, b in (("04", 10, 30), ("05", 20, 30), ("06", 30, 60)):
        items += [item("WAIT", "MUR-A", f"2025-{month}", a), item("WAIT", "MUR-B", f"2025-{month}", b)]
        items += [item("BEDS", "MUR-A", f"2025-{month}", a), item("BEDS", "MUR-B", f"2025-{month}", b)]
    await post_values(client, items)


async def test_other_aggregations(client: httpx.AsyncClient, monthly: None) -> None:
    response = await client.get(
        "/v1/analytics", params={"indicators": "WAIT,BEDS", "org_units": "RU-MUR", "periods": "2025Q2"}, headers=FEDERAL
    )
    rows = {r["indicator_code"]: r["value"] for r in response.json()["rows"]}
    # WAIT: averages per unit 20 and 40, the max over units is 40. BEDS: minimum per unit 10 and 30,
    # "last" over units takes the unit with the greatest code (MUR-B).
    assert rows == {"WAIT": 40, "BEDS": 30}


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("GET", "/v1/analytics", {"params": {"indicators": "G", "org_units": "RU", "periods": "1900,1901Q1"}}),
        ("GET", "/v1/analytics", {"params": {"indicators": "G", "org_units": "RU", "periods": "2025Q2" * 400}}),
        ("GET", "/v1/analytics", {"params": {"indicators": "G", "org_units": "RU", "periods": "2025", "level": "x"}}),
        ("GET", "/v1/values", {"params": {"cursor": encode_cursor(["x"])}}),
        ("GET", "/v1/values", {"params": {"period": "Q2"}}),
        ("GET", "/v1/values/abc", {}),
        ("POST", "/v1/values", {"json": {"items": [1, "x"]}}),
        ("POST", "/v1/values", {"json": {"items": []}}),
        ("POST", "/v1/values", {"json": {}}),
        ("PUT", "/v1/indicators/G/targets", {"json": {"items": [{"org_unit_code": "RU", "period": "2025Q7"}]}}),
        ("PATCH", "/v1/indicators/G", {"json": {"formula": None}}),
        ("PATCH", "/v1/indicators/G", {"json": {"formula": "WAIT " * 500, "effective_from": "2025-01-01"}}),
        ("POST", "/v1/values/1/reopen", {"json": {"reason": "x" * 5000}}),
        ("GET", "/v1/completeness", {"params": {"region": "RU", "period": "2999-12"}}),
    ],
)
async def test_odd_requests_are_4xx(
    client: httpx.AsyncClient, monthly: None, method: str, url: str, kwargs: dict[str, object]
) -> None:
    response = await client.request(method, url, headers=FEDERAL, **kwargs)  # type: ignore[arg-type]
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.text
    assert response.status_code != 500


async def test_odd_items_are_rejected_one_by_one(client: httpx.AsyncClient, monthly: None) -> None:
    results = await post_values(
        client,
        [
            item("WAIT", "MUR-A", "2025-07", "1e30"),
            item("WAIT", "MUR-A", "2025-07", "NaN"),
            item("WAIT", "MUR-A", "1900-01", 1),
            {"indicator_code": "WAIT"},
            item("WAIT", "MUR-A", "2025-07", 1.1234567),
        ],
    )
    assert [r["status"] for r in results] == ["rejected", "rejected", "created", "rejected", "rejected"]
