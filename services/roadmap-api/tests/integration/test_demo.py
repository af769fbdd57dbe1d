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
    roadmaps = {r["region_code"]: r for r in (await client.get("/v1/roadmaps", headers=FEDERAL)).json()["items"]}
    assert sorted(roadmaps) == ["RU-KYA", "RU-MUR"]
    lean = (await client.get("/v1/improvement-projects", headers=FEDERAL)).json()["items"]
    assert len(lean) == 1 and lean[0]["passport_status"] == "approved"
    # (One load for all the checks: the demo takes a while to load.)
    await sessions_were_voted_by_their_participants(client)
    await regional_centre_and_its_compliance(client)


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
