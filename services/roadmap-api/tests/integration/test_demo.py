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
    pid = programmes[0]["id"]
    totals = (await client.get(f"/v1/programmes/{pid}/financing", headers=FEDERAL)).json()
    assert totals["total"] == 3962876.4
    assert not [w for w in totals["warnings"] if w["kind"] == "total_mismatch"]
    lines = (await client.get(f"/v1/programmes/{pid}/financing/lines", headers=FEDERAL)).json()
    assert lines[0]["kbk"] is not None
    plan = (await client.get(f"/v1/programmes/{pid}/plan", headers=FEDERAL)).json()
    first = next(i for i in plan if i["level"] == "activity" and i["number"] == 1)
    assert first["responsible_bodies"] == [
        "Министерство здравоохранения Мурманской области",
        "Министерство строительства Мурманской области",
    ]
    roadmaps = (await client.get("/v1/roadmaps", headers=FEDERAL)).json()["items"]
    assert sorted(r["region_code"] for r in roadmaps) == ["RU-KYA", "RU-MUR"]
    figure = (await client.get(f"/v1/roadmaps/{roadmaps[0]['id']}/execution?as_of=2025-06-30", headers=FEDERAL)).json()
    assert (figure["due"], figure["completed_on_time"], figure["completed_late"], figure["overdue"]) == (3, 1, 1, 1)
    lean = (await client.get("/v1/improvement-projects", headers=FEDERAL)).json()["items"]
    assert len(lean) == 1 and lean[0]["passport_status"] == "approved"
    # (One load for all the checks: the demo takes a while to load.)
    await sessions_were_voted_by_their_participants(client)
    await regional_centre_and_its_compliance(client)


async def sessions_were_voted_by_their_participants(client: httpx.AsyncClient) -> None:
    kpis = (await client.get("/v1/strategic-sessions/kpis", params={"region": "RU-KYA"}, headers=FEDERAL)).json()
    assert (kpis["sessions_held"], kpis["participants"], kpis["projects_formed"], kpis["projects_selected"]) == (
        2,
        240,
        24,
        7,
    )
    first, second = (await client.get("/v1/strategic-sessions", headers=FEDERAL)).json()["items"]
    results = [
        (await client.get(f"/v1/strategic-sessions/{first['id']}/sections/S{n}/results", headers=FEDERAL)).json()
        for n in (1, 2, 3)
    ]
    assert [len(r["winners"]) for r in results] == [1, 2, 1]
    assert [r["tie_for_first"] for r in results] == [False, True, False]
    assert all(r["ballots_counted"] == 130 for r in results)
    titles = {s["project_code"]: s["title"] for r in results for s in r["standings"]}
    assert titles[results[1]["winners"][0]] == "Цифровой кабинет диспансерного наблюдения"
    youth = (await client.get(f"/v1/strategic-sessions/{second['id']}/sections/Y/results", headers=FEDERAL)).json()
    assert (youth["top_n"], youth["winners"], youth["ballots_counted"]) == (3, ["Y-P1", "Y-P2", "Y-P3"], 110)
    composition = (await client.get(f"/v1/strategic-sessions/{first['id']}/composition", headers=FEDERAL)).json()
    assert composition["ok"] is True and len(composition["groups"]) == 13


async def regional_centre_and_its_compliance(client: httpx.AsyncClient) -> None:
    (centre,) = (await client.get("/v1/regional-centres", headers=FEDERAL)).json()["items"]
    report = (await client.get(f"/v1/regional-centres/{centre['id']}/compliance", headers=FEDERAL)).json()
    assert report["staff"] == 4 and report["polyclinics"] == 5
    assert {c["rule"]: c["ok"] for c in report["checks"]} == {
        "staff_by_polyclinics": True,
        "one_head": True,
        "member_curates_polyclinic": False,
        "head_at_most_two_polyclinics": True,
        "half_medically_educated": True,
    }
    notices = (await client.get(f"/v1/regional-centres/{centre['id']}/notices", headers=FEDERAL)).json()
    assert [(n["event_date"], len(n["changes"])) for n in notices] == [("2025-03-03", 4)]
    (escalation,) = (await client.get("/v1/escalations", headers=FEDERAL)).json()["items"]
    assert (escalation["level"], escalation["status"]) == ("ministry", "open")
