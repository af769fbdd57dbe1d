"""Regression: a kiosk batch nested thousands of levels deep was a RecursionError (500) in the
item-by-item fallback parser; it is a 422 now (found by tests/security/test_hostile_input.py)."""

from __future__ import annotations

import httpx
import pytest

from .conftest import create_campaign, kiosk_auth, register_kiosk


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"responses": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    ],
    ids=["array", "inside-responses", "object"],
)
async def test_deeply_nested_batch_is_422(client: httpx.AsyncClient, body: bytes) -> None:
    await create_campaign(client)
    kiosk = await register_kiosk(client)
    headers = {**kiosk_auth(kiosk), "content-type": "application/json"}
    response = await client.post("/v1/responses/batch", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
