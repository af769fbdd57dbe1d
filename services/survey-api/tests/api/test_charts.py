"""The satisfaction chart: images of the right type and size, ETag 304, the rows drawn equal to aggregates."""

from __future__ import annotations

import struct
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, MUR_OPERATOR, answers, create_campaign, kiosk_auth, register_kiosk

FIELDS = ("org_unit_code", "n", "satisfaction_share", "satisfaction_ci95", "nps", "nps_ci95", "sample_ok")
QUERY = {"campaign": "mur-2025", "org_unit": "RU-MUR", "period": "2025Q2"}


def entry(q1: str, nps: int) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "submitted_at": "2025-05-10T09:00:00+03:00", "answers": answers(q1=q1, nps=nps)}


@pytest.fixture
async def data(client: httpx.AsyncClient) -> None:
    """MUR-GP1: 12 kiosk answers (a sample of 12 ≥ 10); MUR-MON-CGB: 4 online answers (too few)."""
    await create_campaign(client, minimum_sample=10)
    gp1 = await register_kiosk(client, org_unit="MUR-GP1")
    batch = [
        entry(q1, n) for q1, n in zip(["yes"] * 9 + ["no"] * 3, [10, 9, 9, 8, 7, 6, 5, 10, 9, 3, 2, 10], strict=True)
    ]
    response = await client.post("/v1/responses/batch", json={"responses": batch}, headers=kiosk_auth(gp1))
    assert {r["status"] for r in response.json()["results"]} == {"accepted"}
    for q1, nps in (("yes", 9), ("rather_no", 5), ("no", 2), ("yes", 10)):
        body = {**entry(q1, nps), "campaign_code": "mur-2025", "org_unit_code": "MUR-MON-CGB", "channel": "online"}
        assert (await client.post("/v1/responses", json=body, headers=MUR_OPERATOR)).status_code == 201


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


class TestSatisfactionChart:
    async def test_the_rows_drawn_are_the_aggregates(self, client: httpx.AsyncClient, data: None) -> None:
        drawn = await client.get("/v1/charts/satisfaction.json", params=QUERY, headers=MUR_ADMIN)
        assert drawn.status_code == 200, drawn.text
        params = {**QUERY, "group_by": "org_unit"}
        aggregates = (await client.get("/v1/aggregates", params=params, headers=MUR_ADMIN)).json()["rows"]
        assert [{f: r[f] for f in FIELDS} for r in drawn.json()["rows"]] == [
            {f: r[f] for f in FIELDS} for r in aggregates
        ]
        sample = {r["org_unit_code"]: r["sample_ok"] for r in drawn.json()["rows"]}
        assert sample == {"MUR-GP1": True, "MUR-MON-CGB": False}

    async def test_png_of_the_declared_size_and_304(self, client: httpx.AsyncClient, data: None) -> None:
        first = await client.get("/v1/charts/satisfaction.png", params=QUERY, headers=FEDERAL)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "image/png"
        assert png_size(first.content) == (900, 500)
        etag = first.headers["etag"]
        again = await client.get(
            "/v1/charts/satisfaction.png", params=QUERY, headers={**FEDERAL, "If-None-Match": etag}
        )
        assert again.status_code == 304

    async def test_svg_marks_the_small_sample(self, client: httpx.AsyncClient, data: None) -> None:
        response = await client.get("/v1/charts/satisfaction.svg", params=QUERY, headers=FEDERAL)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("image/svg+xml")
        text = "".join(ET.fromstring(response.content).itertext())
        assert "MUR-MON-CGB (n=4, малая выборка)" in text
        assert "Удовлетворённость" in text and "NPS" in text

    async def test_scoped_like_aggregates(self, client: httpx.AsyncClient, data: None) -> None:
        response = await client.get("/v1/charts/satisfaction.png", params=QUERY, headers=KYA_ADMIN)
        assert response.status_code == 403

    async def test_a_bad_period_is_422(self, client: httpx.AsyncClient, data: None) -> None:
        response = await client.get(
            "/v1/charts/satisfaction.svg", params={**QUERY, "period": "2025Q9"}, headers=FEDERAL
        )
        assert response.status_code == 422
