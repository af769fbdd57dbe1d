"""Regressions found by fuzzing the published contract (tests/security): ids beyond the 32-bit INTEGER
columns overflowed in the database driver (a 500); they are a 422 on the path parameter now."""

from __future__ import annotations

import httpx
import pytest

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])

PATHS = [
    "/v1/roadmaps/{id}",
    "/v1/roadmaps/{id}/tasks",
    "/v1/roadmaps/{id}/journal",
    "/v1/roadmaps/{id}/execution",
    "/v1/tasks/{id}",
    "/v1/tasks/{id}/comments",
    "/v1/tasks/{id}/journal",
    "/v1/strategic-sessions/{id}",
    "/v1/improvement-projects/{id}",
    "/v1/programmes/{id}",
    "/v1/programmes/{id}/plan",
]


@pytest.mark.parametrize("row_id", [2**31, 2**63, 0])
@pytest.mark.parametrize("path", PATHS)
async def test_id_outside_the_column_range_is_422(client: httpx.AsyncClient, path: str, row_id: int) -> None:
    response = await client.get(path.format(id=row_id), headers=FEDERAL)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"].startswith("/path/")


async def test_write_on_a_huge_id_is_422(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/v1/tasks/{2**63}", json={"status": "done"}, headers=FEDERAL)
    assert response.status_code == 422, response.text
    response = await client.post(f"/v1/roadmaps/{2**63}/measures", json={"title": "x"}, headers=FEDERAL)
    assert response.status_code == 422, response.text
