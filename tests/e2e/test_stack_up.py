"""The three services come up as real processes on PostgreSQL and answer together."""

from __future__ import annotations

import httpx
import pytest

from zdrav_shared.testing import auth

pytestmark = pytest.mark.e2e

FEDERAL = auth(["federal"], ["RU"])


def test_all_three_are_ready(stack) -> None:  # type: ignore[no-untyped-def]
    for service in stack.services.values():
        response = httpx.get(service.url + "/readyz", timeout=5)
        assert response.status_code == 200, (service.name, response.text)


def test_request_id_travels_and_org_units_are_shared(stack) -> None:  # type: ignore[no-untyped-def]
    kpi = stack.services["kpi"].url
    for unit in (
        {"code": "RU", "name_ru": "Российская Федерация", "level": "federation"},
        {
            "code": "RU-MUR",
            "name_ru": "Мурманская область",
            "level": "region",
            "parent_code": "RU",
            "timezone": "Europe/Moscow",
        },
    ):
        # Another module of the session's stack may have made it already.
        if httpx.get(f"{kpi}/v1/org-units/{unit['code']}", headers=FEDERAL, timeout=10).status_code == 404:
            response = httpx.post(kpi + "/v1/org-units", json=unit, headers=FEDERAL, timeout=10)
            assert response.status_code == 201, response.text
    answer = httpx.get(kpi + "/v1/org-units/RU-MUR", headers={**FEDERAL, "X-Request-ID": "e2e-1"}, timeout=5)
    assert answer.headers["x-request-id"] == "e2e-1"
    assert answer.json()["timezone"] == "Europe/Moscow"
