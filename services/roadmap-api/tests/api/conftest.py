"""kpi-api is mocked with respx for every API test: org units RU-MUR and RU-KYA (with a
municipality and an organisation in RU-MUR), 404 for any other code, and no analytics yet (404)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from roadmap_api.deps import get_clock
from roadmap_api.settings import RoadmapSettings
from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin")
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
MUR_OPERATOR = auth(["mo_operator"], ["RU-MUR"])
MUR_ANALYST = auth(["analyst"], ["RU-MUR"])
GP1_OPERATOR = auth(["mo_operator"], ["MUR-GP1"], sub="gp1-operator")
GP2_OPERATOR = auth(["mo_operator"], ["MUR-GP2"], sub="gp2-operator")


def _unit(code: str, level: str, path: list[str], timezone: str | None = None) -> dict[str, Any]:
    return {
        "code": code,
        "name_ru": code,
        "level": level,
        "parent_code": path[-2] if len(path) > 1 else None,
        "path": path,
        "region_code": path[1] if len(path) > 1 else None,
        "timezone": timezone,
    }


ORG_UNITS = {
    "RU": _unit("RU", "federation", ["RU"]),
    "RU-MUR": _unit("RU-MUR", "region", ["RU", "RU-MUR"], "Europe/Moscow"),
    "RU-KYA": _unit("RU-KYA", "region", ["RU", "RU-KYA"], "Asia/Krasnoyarsk"),
    "RU-MUR-MUR": _unit("RU-MUR-MUR", "municipality", ["RU", "RU-MUR", "RU-MUR-MUR"], "Europe/Moscow"),
    "MUR-GP1": _unit("MUR-GP1", "organisation", ["RU", "RU-MUR", "RU-MUR-MUR", "MUR-GP1"], "Europe/Moscow"),
    "MUR-GP2": _unit("MUR-GP2", "organisation", ["RU", "RU-MUR", "RU-MUR-MUR", "MUR-GP2"], "Europe/Moscow"),
    "KYA-GP1": _unit("KYA-GP1", "organisation", ["RU", "RU-KYA", "RU-KYA-KRS", "KYA-GP1"], "Asia/Krasnoyarsk"),
}


def _org_unit(request: httpx.Request, code: str) -> httpx.Response:
    unit = ORG_UNITS.get(code)
    return httpx.Response(200, json=unit) if unit else httpx.Response(404, json={"status": 404})


@pytest.fixture(autouse=True)
def kpi_api(settings: RoadmapSettings) -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=settings.kpi_url, assert_all_called=False) as mock:
        mock.get(path__regex=r"^/v1/org-units/(?P<code>[^/]+)$", name="org_unit").mock(side_effect=_org_unit)
        mock.get("/v1/analytics", name="analytics").mock(return_value=httpx.Response(404))
        yield mock


RoadmapFactory = Callable[..., Awaitable[dict[str, Any]]]
TaskFactory = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def make_roadmap(client: httpx.AsyncClient) -> RoadmapFactory:
    async def make(region_code: str = "RU-MUR", headers: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
        body = {"region_code": region_code, "life_situation": "ССЗ", "title": "ДК ССЗ", **extra}
        response = await client.post("/v1/roadmaps", json=body, headers=headers or FEDERAL)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


@pytest.fixture
def make_task(client: httpx.AsyncClient) -> TaskFactory:
    async def make(roadmap_id: int, headers: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
        body = {
            "title": "Мероприятие",
            "start_date": "2025-01-10",
            "due_date": "2025-03-31",
            "responsible": "Минздрав",
            **extra,
        }
        response = await client.post(f"/v1/roadmaps/{roadmap_id}/tasks", json=body, headers=headers or FEDERAL)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


class FixedClock:
    """The service's clock in a test: approvals take effect on its date in the region."""

    def __init__(self) -> None:
        self.now = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: str) -> None:
        self.now = datetime.fromisoformat(f"{day}T09:00:00+00:00")


@pytest.fixture
def clock(app: FastAPI) -> Iterator[FixedClock]:
    fixed = FixedClock()
    app.dependency_overrides[get_clock] = lambda: fixed
    yield fixed
    app.dependency_overrides.pop(get_clock, None)


Approve = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def approve(client: httpx.AsyncClient) -> Approve:
    """Approve a roadmap's open version (its draft or a revision)."""

    async def go(roadmap_id: int, headers: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
        body = {"status": "approved", **extra}
        response = await client.post(f"/v1/roadmaps/{roadmap_id}/status", json=body, headers=headers or FEDERAL)
        assert response.status_code == 200, response.text
        return dict(response.json())

    return go


# -- more org units for the programme workflows (regional centres, life situations, escalations) --


def _polyclinic(code: str, region: str, rural: bool = False) -> dict[str, Any]:
    district = f"{region}-D"
    return {
        **_unit(code, "organisation", ["RU", region, district, code], ORG_UNITS[region]["timezone"]),
        "kind": "adult_polyclinic",
        "rural": rural,
    }


MORE_UNITS = {
    **{f"MUR-P{n:03d}": _polyclinic(f"MUR-P{n:03d}", "RU-MUR") for n in range(1, 121)},
    "MUR-RURAL1": _polyclinic("MUR-RURAL1", "RU-MUR", rural=True),
    "MUR-CITY2": _polyclinic("MUR-CITY2", "RU-MUR"),
    "KYA-P001": _polyclinic("KYA-P001", "RU-KYA"),
}


@pytest.fixture
def more_units(kpi_api: respx.MockRouter) -> dict[str, dict[str, Any]]:
    """kpi-api also knows 120 urban polyclinics MUR-P001…MUR-P120, a rural one MUR-RURAL1, MUR-CITY2
    and KYA-P001 (``kind`` and ``rural`` given, as kpi-api serves them)."""

    def answer(request: httpx.Request, code: str) -> httpx.Response:
        return httpx.Response(200, json=MORE_UNITS[code]) if code in MORE_UNITS else _org_unit(request, code)

    kpi_api.routes["org_unit"].side_effect = answer
    return MORE_UNITS
