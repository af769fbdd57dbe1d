"""kpi-api mocked with respx, and helpers that build a campaign with kiosks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from survey_api.settings import SurveySettings
from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"])
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"])
MUR_OPERATOR = auth(["mo_operator"], ["RU-MUR"])
ANALYST = auth(["analyst"], ["RU"])

_UNITS: list[tuple[str, str, str | None, str]] = [
    ("RU", "federation", None, ""),
    ("RU-MUR", "region", "RU", "Europe/Moscow"),
    ("RU-MUR-MUR", "municipality", "RU-MUR", ""),
    ("MUR-GP1", "organisation", "RU-MUR-MUR", ""),
    ("MUR-DGP1", "organisation", "RU-MUR-MUR", ""),
    ("RU-MUR-MON", "municipality", "RU-MUR", ""),
    ("MUR-MON-CGB", "organisation", "RU-MUR-MON", ""),
    ("RU-KYA", "region", "RU", "Asia/Krasnoyarsk"),
    ("RU-KYA-KRS", "municipality", "RU-KYA", ""),
    ("KYA-GP4", "organisation", "RU-KYA-KRS", ""),
    ("KYA-GP14", "organisation", "RU-KYA-KRS", ""),
]


def _org_units() -> dict[str, dict[str, Any]]:
    parents = {code: parent for code, _, parent, _ in _UNITS}
    zones = {code: tz for code, _, _, tz in _UNITS if tz}
    found: dict[str, dict[str, Any]] = {}
    for code, level, parent, _ in _UNITS:
        path = [code]
        while parents[path[0]] is not None:
            path.insert(0, parents[path[0]])  # type: ignore[arg-type]
        region = next((c for c in path if c.startswith("RU-") and c.count("-") == 1), None)
        found[code] = {
            "code": code,
            "name_ru": code,
            "level": level,
            "parent_code": parent,
            "path": path,
            "region_code": region,
            "timezone": zones.get(region) if region else None,
        }
    return found


ORG_UNITS = _org_units()


@pytest.fixture(autouse=True)
def kpi(settings: SurveySettings) -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=settings.kpi_url, assert_all_called=False) as mock:

        def answer(request: httpx.Request, code: str) -> httpx.Response:
            unit = ORG_UNITS.get(code)
            return httpx.Response(200, json=unit) if unit else httpx.Response(404, json={"status": 404})

        mock.get(path__regex=r"^/v1/org-units/(?P<code>[^/]+)$").mock(side_effect=answer)
        yield mock


async def create_campaign(
    client: httpx.AsyncClient,
    code: str = "mur-2025",
    units: tuple[str, ...] = ("MUR-GP1", "MUR-MON-CGB", "KYA-GP4"),
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "code": code,
        "questionnaire_code": "nsi-standard",
        "org_unit_codes": list(units),
        "starts_on": "2025-01-01",
        "ends_on": "2026-12-31",
        "channels": ["kiosk", "online", "phone"],
        **extra,
    }
    response = await client.post("/v1/campaigns", json=body, headers=headers or FEDERAL)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def register_kiosk(
    client: httpx.AsyncClient, campaign: str = "mur-2025", org_unit: str = "MUR-GP1"
) -> dict[str, Any]:
    response = await client.post(
        "/v1/kiosks", json={"campaign_code": campaign, "org_unit_code": org_unit, "name": "Холл"}, headers=FEDERAL
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def kiosk_auth(kiosk: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {kiosk['token']}"}


def answers(q1: str = "yes", nps: int = 9, comment: str | None = None, **others: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "q1_process": q1,
        "q2_documents": others.get("q2", "yes"),
        "q3_duration": others.get("q3", "rather_yes"),
        "q4_simplicity": others.get("q4", "no"),
        "q5_support": others.get("q5", "dont_know"),
        "nps": nps,
    }
    if comment is not None:
        result["comment"] = comment
    return result


def item(submitted_at: str = "2025-05-10T09:00:00+03:00", **kwargs: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "submitted_at": submitted_at, "answers": answers(**kwargs)}
