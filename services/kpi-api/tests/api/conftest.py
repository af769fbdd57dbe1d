"""Shared fixtures of the API tests: an org-unit tree in two regions and an indicator set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kpi_api.deps import get_clock
from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin")
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
MUR_OPERATOR = auth(["mo_operator"], ["RU-MUR"], sub="mur-operator")
MUR_ANALYST = auth(["analyst"], ["RU-MUR"], sub="mur-analyst")

UNITS: list[dict[str, Any]] = [
    {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
    {
        "code": "RU-MUR",
        "name_ru": "Мурманская область",
        "level": "region",
        "parent_code": "RU",
        "timezone": "Europe/Moscow",
    },
    {
        "code": "RU-KYA",
        "name_ru": "Красноярский край",
        "level": "region",
        "parent_code": "RU",
        "timezone": "Asia/Krasnoyarsk",
    },
    {"code": "RU-MUR-MUR", "name_ru": "г. Мурманск", "level": "municipality", "parent_code": "RU-MUR"},
    {"code": "RU-MUR-MON", "name_ru": "г. Мончегорск", "level": "municipality", "parent_code": "RU-MUR"},
    {"code": "RU-KYA-KRS", "name_ru": "г. Красноярск", "level": "municipality", "parent_code": "RU-KYA"},
    {"code": "MUR-A", "name_ru": "Поликлиника А", "level": "organisation", "parent_code": "RU-MUR-MUR"},
    {"code": "MUR-B", "name_ru": "Больница Б", "level": "organisation", "parent_code": "RU-MUR-MON"},
    {"code": "KYA-A", "name_ru": "Поликлиника К", "level": "organisation", "parent_code": "RU-KYA-KRS"},
]


def indicator(code: str, **overrides: Any) -> dict[str, Any]:
    """An input indicator body; ``formula=...`` makes it a formula indicator."""
    body: dict[str, Any] = {
        "code": code,
        "name_ru": f"Показатель {code}",
        "unit": "чел.",
        "kind": "formula" if "formula" in overrides else "input",
        "direction": "higher_is_better",
        "periodicity": "quarter",
    }
    body.update(overrides)
    return body


async def create_indicator(client: httpx.AsyncClient, code: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/indicators", json=indicator(code, **overrides), headers=FEDERAL)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def post_values(
    client: httpx.AsyncClient, items: list[dict[str, Any]], headers: dict[str, str] | None = None, **extra: Any
) -> list[dict[str, Any]]:
    response = await client.post("/v1/values", json={"items": items, **extra}, headers=headers or FEDERAL)
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def item(indicator_code: str, org_unit_code: str, period: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"indicator_code": indicator_code, "org_unit_code": org_unit_code, "period": period, "value": value, **extra}


@pytest.fixture
async def org_tree(client: httpx.AsyncClient) -> None:
    for unit in UNITS:
        response = await client.post("/v1/org-units", json=unit, headers=FEDERAL)
        assert response.status_code == 201, response.text


class FixedClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Iterator[FixedClock]:
    fixed = FixedClock()
    app.dependency_overrides[get_clock] = lambda: fixed
    yield fixed
    app.dependency_overrides.pop(get_clock, None)
