"""survey-api fuzzed against its committed OpenAPI document (see support.fuzz_operation for the checks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support import FUZZ_CALLERS, SERVICES, caller_headers, fuzz_operation, fuzz_target, operations

SPEC = SERVICES["survey-api"]
OPERATIONS = [operation_id for operation_id, _, _ in operations(SPEC.openapi())]


def seed(client: Any) -> None:
    """A campaign over both regions with a kiosk in each."""
    federal = caller_headers("federal")
    campaign = {
        "code": "sec-2025",
        "questionnaire_code": "nsi-standard",
        "org_unit_codes": ["MUR-GP1", "KYA-GP1"],
        "starts_on": "2025-01-01",
        "ends_on": "2026-12-31",
        "channels": ["kiosk", "online", "phone"],
    }
    response = client.post("/v1/campaigns", json=campaign, headers=federal)
    assert response.status_code == 201, response.text
    for unit in ("MUR-GP1", "KYA-GP1"):
        kiosk = {"campaign_code": "sec-2025", "org_unit_code": unit, "name": "Холл"}
        assert client.post("/v1/kiosks", json=kiosk, headers=federal).status_code == 201


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[Any, Any]]:
    with fuzz_target(SPEC, seed) as found:
        yield found


@pytest.mark.parametrize("caller", FUZZ_CALLERS)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_survey_api_operation_keeps_its_contract(target: tuple[Any, Any], operation_id: str, caller: str) -> None:
    schema, app = target
    failures = fuzz_operation(schema, app, operation_id, caller)
    assert not failures, "\n\n".join(failures)
