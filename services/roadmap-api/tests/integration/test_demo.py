from __future__ import annotations

import httpx

from roadmap_api.demo import load_demo
from roadmap_api.settings import RoadmapSettings
from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])


async def test_demo_loads_once_and_reconciles(client: httpx.AsyncClient, settings: RoadmapSettings) -> None:
    await load_demo(settings.database_url)
    await load_demo(settings.database_url)  # idempotent
    programmes = (await client.get("/v1/programmes", headers=FEDERAL)).json()["items"]
    assert len(programmes) == 1
    totals = (await client.get(f"/v1/programmes/{programmes[0]['id']}/financing", headers=FEDERAL)).json()
    assert totals["total"] == 3962876.4
    roadmaps = (await client.get("/v1/roadmaps", headers=FEDERAL)).json()["items"]
    assert sorted(r["region_code"] for r in roadmaps) == ["RU-KYA", "RU-MUR"]
    figure = (await client.get(f"/v1/roadmaps/{roadmaps[0]['id']}/execution?as_of=2025-06-30", headers=FEDERAL)).json()
    assert (figure["due"], figure["completed_on_time"], figure["completed_late"], figure["overdue"]) == (3, 1, 1, 1)
    sessions = (await client.get("/v1/strategic-sessions", headers=FEDERAL)).json()["items"]
    detail = (await client.get(f"/v1/strategic-sessions/{sessions[0]['id']}", headers=FEDERAL)).json()
    assert len(detail["sections"]) == 3 and len(detail["projects"]) == 4
    lean = (await client.get("/v1/improvement-projects", headers=FEDERAL)).json()["items"]
    assert len(lean) == 1
