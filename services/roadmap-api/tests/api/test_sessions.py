from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"])
KYA_ANALYST = auth(["analyst"], ["RU-KYA"])


def window(opens_in: timedelta = timedelta(hours=-1), length: timedelta = timedelta(hours=2)) -> dict[str, str]:
    opens = datetime.now(UTC) + opens_in
    return {"opens_at": opens.isoformat(), "closes_at": (opens + length).isoformat()}


class Built:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.sid = 0
        self.participants: list[int] = []

    async def post(self, path: str, body: dict[str, Any], headers: dict[str, str] = KYA_ADMIN) -> dict[str, Any]:
        response = await self.client.post(f"/v1/strategic-sessions/{self.sid}{path}", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def build(self, mode: str = "points", win: dict[str, str] | None = None) -> Built:
        body = {
            "region_code": "RU-KYA",
            "held_on": "2021-11-20",
            "theme": "Регион & Университет",
            "organisers": ["КрасГМУ"],
        }
        created = await self.client.post("/v1/strategic-sessions", json=body, headers=KYA_ADMIN)
        assert created.status_code == 201, created.text
        self.sid = created.json()["id"]
        section = {"code": "S1", "title": "Кадры", "voting_mode": mode, **(win or window())}
        if mode == "points":
            section |= {"max_total_points": 5, "max_points_per_project": 3}
        await self.post("/sections", section)
        group = await self.post("/groups", {"name": "Группа 1", "moderator": "Иванова", "section_code": "S1"})
        for code in ("P1", "P2", "P3"):
            await self.post(
                "/projects", {"code": code, "title": f"Проект {code}", "section_code": "S1", "group_id": group["id"]}
            )
        for n, category in enumerate(["chief_physician", "ministry", "young_doctor", "college"]):
            p = await self.post(
                "/participants", {"name": f"Участник {n}", "category": category, "group_id": group["id"]}
            )
            self.participants.append(p["id"])
        return self

    async def vote(self, participant: int, **ballot: Any) -> httpx.Response:
        return await self.client.post(
            f"/v1/strategic-sessions/{self.sid}/sections/S1/ballots",
            json={"participant_id": participant, **ballot},
            headers=KYA_ADMIN,
        )


class TestVoting:
    async def test_joint_winners(self, client: httpx.AsyncClient) -> None:
        s = await Built(client).build()
        a, b, c, _ = s.participants
        assert (await s.vote(a, points={"P1": 3, "P2": 2})).status_code == 201
        assert (await s.vote(b, points={"P2": 3, "P1": 2})).status_code == 201
        assert (await s.vote(c, points={"P3": 1})).status_code == 201
        result = (await client.get(f"/v1/strategic-sessions/{s.sid}/sections/S1/results", headers=KYA_ANALYST)).json()
        assert result["winners"] == ["P1", "P2"]
        assert result["tie_for_first"] is True
        assert [(x["project_code"], x["points"], x["rank"]) for x in result["standings"]] == [
            ("P1", 5, 1),
            ("P2", 5, 1),
            ("P3", 1, 3),
        ]
        assert result["ballots_counted"] == 3

    async def test_second_ballot_is_409(self, client: httpx.AsyncClient) -> None:
        s = await Built(client).build()
        assert (await s.vote(s.participants[0], points={"P1": 1})).status_code == 201
        again = await s.vote(s.participants[0], points={"P2": 1})
        assert again.status_code == 409
        assert again.json()["reason"] == "duplicate_ballot"

    async def test_concurrent_ballots_one_wins(self, client: httpx.AsyncClient) -> None:
        s = await Built(client).build()
        voter = s.participants[0]
        responses = await asyncio.gather(*(s.vote(voter, points={"P1": 1}) for _ in range(4)))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409, 409, 409], [r.text for r in responses]
        for r in responses:
            if r.status_code == 409:
                assert r.json()["reason"] in {"duplicate_ballot", "concurrent_ballot"}
        result = (await client.get(f"/v1/strategic-sessions/{s.sid}/sections/S1/results", headers=FEDERAL)).json()
        assert result["ballots_counted"] == 1

    @pytest.mark.parametrize("opens_in", [timedelta(hours=1), timedelta(hours=-3)])
    async def test_outside_the_window_is_409(self, client: httpx.AsyncClient, opens_in: timedelta) -> None:
        s = await Built(client).build(win=window(opens_in))
        response = await s.vote(s.participants[0], points={"P1": 1})
        assert response.status_code == 409
        assert response.json()["reason"] == "ballot_outside_window"

    @pytest.mark.parametrize(
        "ballot",
        [
            {"points": {"P1": 4}},
            {"points": {"P1": 3, "P2": 3}},
            {"points": {"P9": 1}},
            {"points": {"P1": -1}},
            {"points": {}},
            {"choice": "P1", "points": {"P1": 1}},
            {},
        ],
    )
    async def test_bad_ballots_are_422(self, client: httpx.AsyncClient, ballot: dict[str, Any]) -> None:
        s = await Built(client).build()
        assert (await s.vote(s.participants[0], **ballot)).status_code == 422

    async def test_single_choice(self, client: httpx.AsyncClient) -> None:
        s = await Built(client).build(mode="single_choice")
        for participant, choice in zip(s.participants, ["P2", "P2", "P1", "P3"], strict=True):
            assert (await s.vote(participant, choice=choice)).status_code == 201
        result = (await client.get(f"/v1/strategic-sessions/{s.sid}/sections/S1/results", headers=FEDERAL)).json()
        assert result["winners"] == ["P2"]
        assert (await s.vote(99999, choice="P1")).status_code == 422
        missing = await client.post(
            f"/v1/strategic-sessions/{s.sid}/sections/NOPE/ballots",
            json={"participant_id": 1, "choice": "P1"},
            headers=KYA_ADMIN,
        )
        assert missing.status_code == 404

    async def test_section_needs_an_aware_window(self, client: httpx.AsyncClient) -> None:
        s = await Built(client).build()
        naive = {
            "code": "S2",
            "title": "t",
            "voting_mode": "points",
            "opens_at": "2025-01-01T10:00:00",
            "closes_at": "2025-01-01T12:00:00",
        }
        response = await client.post(f"/v1/strategic-sessions/{s.sid}/sections", json=naive, headers=KYA_ADMIN)
        assert response.status_code == 422
        backwards = {**naive, **window(length=timedelta(hours=-1))}
        response = await client.post(f"/v1/strategic-sessions/{s.sid}/sections", json=backwards, headers=KYA_ADMIN)
        assert response.status_code == 422


class TestSelection:
    async def test_selected_projects_become_roadmaps_or_improvement_projects(self, client: httpx.AsyncClient) -> None:
        s = await Built(client).build()
        detail = (await client.get(f"/v1/strategic-sessions/{s.sid}", headers=KYA_ANALYST)).json()
        p1, p2 = detail["projects"][0]["id"], detail["projects"][1]["id"]
        url = f"/v1/strategic-sessions/{s.sid}/projects"
        roadmap = await client.post(
            f"{url}/{p1}/selection", json={"implement_as": "roadmap", "life_situation": "ССЗ"}, headers=KYA_ADMIN
        )
        assert roadmap.status_code == 200, roadmap.text
        rid = roadmap.json()["roadmap_id"]
        linked = (await client.get(f"/v1/roadmaps/{rid}", headers=KYA_ADMIN)).json()
        assert (linked["source_project_id"], linked["region_code"], linked["status"]) == (p1, "RU-KYA", "draft")
        again = await client.post(
            f"{url}/{p1}/selection", json={"implement_as": "roadmap", "life_situation": "x"}, headers=KYA_ADMIN
        )
        assert again.status_code == 409
        lean = await client.post(
            f"{url}/{p2}/selection",
            json={"implement_as": "improvement_project", "category": "registry"},
            headers=KYA_ADMIN,
        )
        assert lean.status_code == 200
        project = (
            await client.get(f"/v1/improvement-projects/{lean.json()['improvement_project_id']}", headers=KYA_ADMIN)
        ).json()
        assert project["source_project_id"] == p2
        assert (
            await client.post(f"{url}/{p2}/selection", json={"implement_as": "roadmap"}, headers=KYA_ADMIN)
        ).status_code == 422
        assert (
            await client.post(
                f"{url}/99999/selection", json={"implement_as": "roadmap", "life_situation": "x"}, headers=KYA_ADMIN
            )
        ).status_code == 404


class TestAssessments:
    async def test_aggregated_per_participant(self, client: httpx.AsyncClient) -> None:
        s = await Built(client).build()
        a, b, c, _ = s.participants
        url = f"/v1/strategic-sessions/{s.sid}/evaluations"
        for body in (
            {"participant_id": a, "evaluator": "Модератор", "role": "moderator", "score": 9},
            {"participant_id": a, "evaluator": "Участник 1", "evaluator_participant_id": b, "role": "peer", "score": 6},
            {"participant_id": a, "evaluator": "Участник 2", "evaluator_participant_id": c, "role": "peer", "score": 8},
        ):
            assert (await client.post(url, json=body, headers=KYA_ADMIN)).status_code == 201
        own = {"participant_id": a, "evaluator": "Я", "evaluator_participant_id": a, "role": "peer", "score": 10}
        assert (await client.post(url, json=own, headers=KYA_ADMIN)).status_code == 422
        off_scale = {"participant_id": a, "evaluator": "x", "role": "observer", "score": 11}
        assert (await client.post(url, json=off_scale, headers=KYA_ADMIN)).status_code == 422
        (row,) = (await client.get(f"/v1/strategic-sessions/{s.sid}/assessments", headers=KYA_ANALYST)).json()
        assert row["participant_id"] == a
        assert row["mean_by_role"] == {"moderator": 9.0, "peer": 7.0}
        assert row["overall"] == 8.0
        assert row["evaluations"] == 3
