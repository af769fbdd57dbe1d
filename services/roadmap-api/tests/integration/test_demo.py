from __future__ import annotations

import httpx

from roadmap_api.demo import load_demo
from roadmap_api.settings import RoadmapSettings
from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
GP1_OPERATOR = auth(["mo_operator"], ["MUR-GP1"])


async def test_demo_loads_once_and_reconciles(client: httpx.AsyncClient, settings: RoadmapSettings) -> None:
    await load_demo(settings.database_url)
    await load_demo(settings.database_url)  # idempotent
    programmes = (await client.get("/v1/programmes", headers=FEDERAL)).json()["items"]
    assert len(programmes) == 1
    totals = (await client.get(f"/v1/programmes/{programmes[0]['id']}/financing", headers=FEDERAL)).json()
    assert totals["total"] == 3962876.4
    roadmaps = {r["region_code"]: r for r in (await client.get("/v1/roadmaps", headers=FEDERAL)).json()["items"]}
    assert sorted(roadmaps) == ["RU-KYA", "RU-MUR"]
    sessions = (await client.get("/v1/strategic-sessions", headers=FEDERAL)).json()["items"]
    detail = (await client.get(f"/v1/strategic-sessions/{sessions[0]['id']}", headers=FEDERAL)).json()
    assert len(detail["sections"]) == 3 and len(detail["projects"]) == 4
    lean = (await client.get("/v1/improvement-projects", headers=FEDERAL)).json()["items"]
    assert len(lean) == 1


async def test_the_murmansk_roadmap_was_revised(client: httpx.AsyncClient, settings: RoadmapSettings) -> None:
    await load_demo(settings.database_url)
    roadmaps = {r["region_code"]: r for r in (await client.get("/v1/roadmaps", headers=FEDERAL)).json()["items"]}
    mur = roadmaps["RU-MUR"]["id"]
    versions = (await client.get(f"/v1/roadmaps/{mur}/versions", headers=FEDERAL)).json()
    assert [(v["version"], v["status"], v["effective_from"]) for v in versions] == [
        (1, "superseded", "2025-02-01"),
        (2, "approved", "2025-07-15"),
    ]
    assert versions[0]["reason"] is None and "ЦАОП" in versions[1]["reason"]
    assert versions[1]["approved_by_governor"] == "Губернатор Мурманской области"

    async def figure(roadmap_id: int, as_of: str) -> tuple[object, ...]:
        data = (await client.get(f"/v1/roadmaps/{roadmap_id}/execution?as_of={as_of}", headers=FEDERAL)).json()
        keys = ("plan_version", "due", "completed_on_time", "completed_late", "overdue", "cancelled_after_approval")
        return (*(data[k] for k in keys), data["execution_pct"])

    # Version 1 on 2025-06-30: routing on time, call centre late, training overdue, equipment
    # cancelled after approval (overdue), monitoring Q2 reported on time: 3 of 5.
    assert await figure(mur, "2025-06-30") == (1, 5, 2, 1, 2, 1, 60.0)
    # Version 2 on 2025-09-30: equipment dropped, training due 08-31 and done 08-20, the ЕПГУ task
    # added and open, monitoring Q2 and Q3 reported: 5 of 6.
    assert await figure(mur, "2025-09-30") == (2, 6, 4, 1, 1, 0, 83.33)
    # RU-KYA was never revised: version 1 throughout (its Q3 of monitoring never reported).
    kya = roadmaps["RU-KYA"]["id"]
    assert await figure(kya, "2025-09-30") == (1, 6, 2, 1, 3, 1, 50.0)  # Q3 never reported
    # The polyclinic's operator sees the training task it carries out.
    due = (await client.get("/v1/due-tasks?as_of=2025-07-01&within_days=90", headers=GP1_OPERATOR)).json()
    assert [i["title"] for i in due["items"]] == ["Обучить операторов"]
