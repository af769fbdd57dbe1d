"""GET /v1/execution/regions: every region's execution in one call, equal to the per-region answer."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import FEDERAL, KYA_ADMIN, MUR_ADMIN, Approve
from .test_execution import SERVICE, done, hand_built


async def regions(client: httpx.AsyncClient, headers: dict[str, str] = SERVICE, **params: str) -> httpx.Response:
    return await client.get("/v1/execution/regions", params={"as_of": "2025-04-30", **params}, headers=headers)


class TestRegionsExecution:
    async def test_equals_the_per_region_answers(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        await hand_built(make_roadmap, make_task, client, approve)
        kya = (await make_roadmap("RU-KYA"))["id"]
        task = (await make_task(kya, due_date="2025-04-01"))["id"]
        await approve(kya)
        await done(client, task, "2025-03-30")
        await approve((await make_roadmap("RU-MUR", title="Пустая ДК"))["id"])
        await make_roadmap("RU-MUR", title="Черновик")  # a draft: not in the figures
        response = await regions(client)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["as_of"] == "2025-04-30"
        assert [r["region_code"] for r in body["regions"]] == ["RU-KYA", "RU-MUR"]
        for region in body["regions"]:
            single = await client.get(
                f"/v1/regions/{region['region_code']}/execution", params={"as_of": "2025-04-30"}, headers=SERVICE
            )
            assert single.json() == region
        mur = body["regions"][1]
        # hand_built approved: 5 due, 2 completed, 3 overdue of which 1 cancelled after approval
        assert (mur["total"]["due"], mur["total"]["execution_pct"], mur["total"]["overdue"]) == (5, 40.0, 3)
        assert mur["total"]["cancelled_after_approval"] == 1
        assert len(mur["roadmaps"]) == 2 and mur["roadmaps"][1]["execution_pct"] is None
        assert body["regions"][0]["total"]["execution_pct"] == 100.0

    async def test_filter_and_scope(self, make_roadmap: Any, client: httpx.AsyncClient, approve: Approve) -> None:
        await approve((await make_roadmap("RU-MUR"))["id"])
        await approve((await make_roadmap("RU-KYA"))["id"])
        only = await regions(client, FEDERAL, regions="RU-KYA")
        assert [r["region_code"] for r in only.json()["regions"]] == ["RU-KYA"]
        own = await regions(client, MUR_ADMIN)
        assert [r["region_code"] for r in own.json()["regions"]] == ["RU-MUR"]
        assert (await regions(client, KYA_ADMIN, regions="RU-MUR")).status_code == 403

    async def test_bad_requests(self, client: httpx.AsyncClient) -> None:
        assert (await regions(client, as_of="2025-13-01")).status_code == 422
        many = ",".join(f"RU-X{i}" for i in range(201))
        response = await regions(client, regions=many)
        assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/query/regions"
