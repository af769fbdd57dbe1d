"""roadmap-api fuzzed against its committed OpenAPI document (see support.fuzz_operation for the checks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support import FUZZ_CALLERS, SERVICES, caller_headers, fuzz_operation, fuzz_target, operations

SPEC = SERVICES["roadmap-api"]
OPERATIONS = [operation_id for operation_id, _, _ in operations(SPEC.openapi())]


def seed(client: Any) -> None:
    """A roadmap with a task in each region, so generated small ids sometimes hit rows."""
    federal = caller_headers("federal")
    for region in ("RU-MUR", "RU-KYA"):
        body = {"region_code": region, "life_situation": "ССЗ", "title": "ДК ССЗ"}
        response = client.post("/v1/roadmaps", json=body, headers=federal)
        assert response.status_code == 201, response.text
        task = {"title": "Мероприятие", "start_date": "2025-01-10", "due_date": "2025-03-31", "responsible": "МЗ"}
        assert client.post(f"/v1/roadmaps/{response.json()['id']}/tasks", json=task, headers=federal).status_code == 201


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[Any, Any]]:
    with fuzz_target(SPEC, seed) as found:
        yield found


@pytest.mark.parametrize("caller", FUZZ_CALLERS)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_roadmap_api_operation_keeps_its_contract(target: tuple[Any, Any], operation_id: str, caller: str) -> None:
    schema, app = target
    failures = fuzz_operation(schema, app, operation_id, caller)
    assert not failures, "\n\n".join(failures)
