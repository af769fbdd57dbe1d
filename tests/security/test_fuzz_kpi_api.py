"""kpi-api fuzzed against its committed OpenAPI document (see support.fuzz_operation for the checks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support import FUZZ_CALLERS, SERVICES, ZONES, caller_headers, fuzz_operation, fuzz_target, operations

SPEC = SERVICES["kpi-api"]
OPERATIONS = [operation_id for operation_id, _, _ in operations(SPEC.openapi())]


def seed(client: Any) -> None:
    """Both regions, and an indicator with a value in each, so generated codes sometimes hit data."""
    federal = caller_headers("federal")
    units = [
        {"code": "RU", "name_ru": "РФ", "level": "federation"},
        {
            "code": "RU-MUR",
            "name_ru": "Мурманская",
            "level": "region",
            "parent_code": "RU",
            "timezone": ZONES["RU-MUR"],
        },
        {
            "code": "RU-KYA",
            "name_ru": "Красноярский",
            "level": "region",
            "parent_code": "RU",
            "timezone": ZONES["RU-KYA"],
        },
    ]
    for unit in units:
        assert client.post("/v1/org-units", json=unit, headers=federal).status_code == 201
    body = {"code": "BEDS", "name_ru": "Койки", "unit": "шт.", "kind": "input", "direction": "higher_is_better",
            "periodicity": "quarter"}  # fmt: skip
    assert client.post("/v1/indicators", json=body, headers=federal).status_code == 201
    items = [
        {"indicator_code": "BEDS", "org_unit_code": code, "period": "2025Q2", "value": 10}
        for code in ("RU-MUR", "RU-KYA")
    ]
    assert client.post("/v1/values", json={"items": items}, headers=federal).status_code == 200


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[Any, Any]]:
    with fuzz_target(SPEC, seed) as found:
        yield found


@pytest.mark.parametrize("caller", FUZZ_CALLERS)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_kpi_api_operation_keeps_its_contract(target: tuple[Any, Any], operation_id: str, caller: str) -> None:
    schema, app = target
    failures = fuzz_operation(schema, app, operation_id, caller)
    assert not failures, "\n\n".join(failures)
