"""The committed OpenAPI document is what front-end teams build on: it must match the code."""

from __future__ import annotations

import json
from pathlib import Path

from roadmap_api.app import create_app

DOCUMENT = Path(__file__).resolve().parents[4] / "openapi" / "roadmap-api.json"


def test_committed_openapi_matches_the_code() -> None:
    current = json.dumps(create_app().openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    assert DOCUMENT.exists(), "openapi/roadmap-api.json is missing: run make openapi"
    assert DOCUMENT.read_text(encoding="utf-8") == current, "openapi/roadmap-api.json is stale: run make openapi"


def test_every_operation_is_documented() -> None:
    document = create_app().openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("operationId"), f"{method.upper()} {path} has no operationId"
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
