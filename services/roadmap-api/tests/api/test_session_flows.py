"""Strategic sessions as they were run: participants vote themselves with a session-scoped voting
token, observers read one session only, top-N results with ties, composition warnings, the pipeline
after selection and the KPIs counted from the records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from zdrav_shared.testing import auth

FEDERAL = auth(["federal"], ["RU"])
KYA_ADMIN = auth(["regional_admin"], ["RU-KYA"], sub="kya-admin")
MUR_ADMIN = auth(["regional_admin"], ["RU-MUR"], sub="mur-admin")
KYA_ANALYST = auth(["analyst"], ["RU-KYA"])
BASE = "/v1/strategic-sessions"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def window(opens_in: timedelta = timedelta(hours=-1), length: timedelta = timedelta(hours=3)) -> dict[str, str]:
    opens = datetime.now(UTC) + opens_in
    return {"opens_at": opens.isoformat(), "closes_at": (opens + length).isoformat()}


class Session:
    """A session of a region built through the API."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str] = KYA_ADMIN) -> None:
        self.client = client
        self.headers = headers
        self.id = 0

    async def post(self, path: str, body: dict[str, Any] | None = None, expect: int = 201) -> dict[str, Any]:
        response = await self.client.post(f"{BASE}/{self.id}{path}", json=body, headers=self.headers)
        assert response.status_code == expect, response.text
        return dict(response.json())

    async def create(self, region: str = "RU-KYA", **extra: Any) -> Session:
        body = {"region_code": region, "theme": "Регион & Университет", **extra}
        response = await self.client.post(BASE, json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        self.id = response.json()["id"]
        return self

    async def section(self, code: str, mode: str = "points", **extra: Any) -> dict[str, Any]:
        body = {"code": code, "title": f"Секция {code}", "voting_mode": mode, **window(), **extra}
        return await self.post("/sections", body)

    async def project(self, code: str, section: str) -> dict[str, Any]:
        return await self.post("/projects", {"code": code, "title": f"Проект {code}", "section_code": section})

    async def participant(self, category: str = "young_doctor", group_id: int | None = None) -> dict[str, Any]:
        return await self.post("/participants", {"name": "Участник", "category": category, "group_id": group_id})

    async def token(self, participant_id: int, **body: Any) -> str:
        answer = await self.post(f"/participants/{participant_id}/voting-token", body or None)
        assert answer["token"].startswith("zv_") and answer["participant_id"] == participant_id
        return str(answer["token"])

    async def vote(
        self, token: str, section: str = "S1", session_id: int | None = None, **ballot: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"{BASE}/{session_id or self.id}/sections/{section}/ballots", json=ballot, headers=bearer(token)
        )

    async def results(self, section: str = "S1", headers: dict[str, str] = KYA_ANALYST, **params: Any) -> Any:
        response = await self.client.get(f"{BASE}/{self.id}/sections/{section}/results", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()


async def voting_session(client: httpx.AsyncClient) -> tuple[Session, list[int]]:
    s = await Session(client).create()
    await s.section("S1", max_total_points=5, max_points_per_project=3)
    await s.section("S2", mode="single_choice")
    for code in ("P1", "P2", "P3"):
        await s.project(code, "S1")
    await s.project("Q1", "S2")
    people = [(await s.participant())["id"] for _ in range(3)]
    return s, people


class TestVotingToken:
    async def test_a_participant_votes_with_their_own_token(self, client: httpx.AsyncClient) -> None:
        s, (a, b, _) = await voting_session(client)
        token = await s.token(a)
        cast = await s.vote(token, points={"P1": 3, "P2": 2})
        assert cast.status_code == 201, cast.text
        assert (cast.json()["participant_id"], cast.json()["cast_via"]) == (a, "voting_token")
        again = await s.vote(token, points={"P3": 1})
        assert again.status_code == 409
        assert again.json()["reason"] == "duplicate_ballot"
        # The same token votes once in every section of its session.
        assert (await s.vote(token, section="S2", choice="Q1")).status_code == 201
        # Naming another participant with one's own token is refused; naming oneself is the same ballot.
        other = await s.vote(await s.token(b), points={"P1": 1}, participant_id=a)
        assert other.status_code == 403
        assert other.json()["reason"] == "token_other_participant"
        result = await s.results()
        assert result["ballots_counted"] == 1
        assert [(x["project_code"], x["points"]) for x in result["standings"]] == [("P1", 3), ("P2", 2), ("P3", 0)]

    async def test_a_token_is_refused_in_another_session_or_section(self, client: httpx.AsyncClient) -> None:
        s, (a, b, _) = await voting_session(client)
        other, _ = await voting_session(client)
        token = await s.token(a)
        elsewhere = await s.vote(token, session_id=other.id, points={"P1": 1})
        assert elsewhere.status_code == 403
        assert elsewhere.json()["reason"] == "token_other_session"
        unknown_section = await s.vote(token, section="NOPE", points={"P1": 1})
        assert unknown_section.status_code == 403
        assert unknown_section.json()["reason"] == "token_other_section"
        limited = await s.token(b, sections=["S2"])
        assert (await s.vote(limited, section="S1", points={"P1": 1})).status_code == 403
        assert (await s.vote(limited, section="S2", choice="Q1")).status_code == 201
        # Reading another session with the token is refused too.
        read = await client.get(f"{BASE}/{other.id}", headers=bearer(token))
        assert read.status_code == 403

    async def test_the_token_reads_its_session_and_nothing_else(self, client: httpx.AsyncClient) -> None:
        s, (a, _, _) = await voting_session(client)
        token = await s.token(a)
        detail = await client.get(f"{BASE}/{s.id}", headers=bearer(token))
        assert detail.status_code == 200
        assert {p["code"] for p in detail.json()["projects"]} == {"P1", "P2", "P3", "Q1"}
        for method, path, body in (
            ("POST", f"{BASE}/{s.id}/participants", {"name": "x", "category": "student"}),
            ("POST", f"{BASE}/{s.id}/projects", {"code": "PX", "title": "x", "section_code": "S1"}),
            ("GET", f"{BASE}/{s.id}/sections/S1/results", None),
            ("GET", f"{BASE}/{s.id}/assessments", None),
            ("POST", BASE, {"region_code": "RU-KYA", "theme": "x"}),
        ):
            response = await client.request(method, path, json=body, headers=bearer(token))
            assert response.status_code == 403, (path, response.text)
        # Non-session endpoints do not take it at all.
        assert (await client.get("/v1/roadmaps", headers=bearer(token))).status_code == 401

    async def test_the_token_expires_when_the_session_ends(self, client: httpx.AsyncClient) -> None:
        s, (a, b, _) = await voting_session(client)
        token, kept = await s.token(a), await s.token(b)
        assert (await s.vote(kept, points={"P2": 1})).status_code == 201
        ended = await s.post("/end", expect=200)
        assert datetime.fromisoformat(ended["ends_at"]) <= datetime.now(UTC)
        late = await s.vote(token, points={"P1": 1})
        assert late.status_code == 401
        assert "ended" in late.json()["detail"]
        # No new tokens after the end; the vote cast before it still counts.
        assert (await s.post(f"/participants/{a}/voting-token", expect=409))["reason"] == "session_ended"
        assert (await s.results())["ballots_counted"] == 1

    async def test_the_end_is_the_last_voting_window_when_not_set(self, client: httpx.AsyncClient) -> None:
        s = await Session(client).create()
        closes = datetime.now(UTC) + timedelta(hours=2)
        await s.section("S1", opens_at=(closes - timedelta(hours=4)).isoformat(), closes_at=closes.isoformat())
        person = await s.participant()
        answer = await s.post(f"/participants/{person['id']}/voting-token")
        assert datetime.fromisoformat(answer["expires_at"]) == closes
        past = await Session(client).create()
        gone = datetime.now(UTC) - timedelta(hours=1)
        await past.section("S1", opens_at=(gone - timedelta(hours=2)).isoformat(), closes_at=gone.isoformat())
        late = await past.participant()
        assert (await past.post(f"/participants/{late['id']}/voting-token", expect=409))["reason"] == "session_ended"

    async def test_a_new_token_revokes_the_old_one(self, client: httpx.AsyncClient) -> None:
        s, (a, _, _) = await voting_session(client)
        lost = await s.token(a)
        fresh = await s.token(a)
        assert (await s.vote(lost, points={"P1": 1})).status_code == 401
        assert (await s.vote(fresh, points={"P1": 1})).status_code == 201

    async def test_who_issues_tokens(self, client: httpx.AsyncClient) -> None:
        s, (a, _, _) = await voting_session(client)
        url = f"{BASE}/{s.id}/participants/{a}/voting-token"
        assert (await client.post(url, headers=KYA_ANALYST)).status_code == 403
        assert (await client.post(url, headers=MUR_ADMIN)).status_code == 404  # another region's: hidden
        assert (
            await client.post(f"{BASE}/{s.id}/participants/99999/voting-token", headers=KYA_ADMIN)
        ).status_code == 404
        unknown = await client.post(url, json={"sections": ["S9"]}, headers=KYA_ADMIN)
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["pointer"] == "/sections/0"

    async def test_a_moderator_keys_in_a_paper_ballot_naming_the_participant(self, client: httpx.AsyncClient) -> None:
        s, (a, _, _) = await voting_session(client)
        url = f"{BASE}/{s.id}/sections/S1/ballots"
        nameless = await client.post(url, json={"points": {"P1": 1}}, headers=KYA_ADMIN)
        assert nameless.status_code == 422
        assert nameless.json()["errors"][0]["pointer"] == "/participant_id"
        keyed = await client.post(url, json={"participant_id": a, "points": {"P1": 1}}, headers=KYA_ADMIN)
        assert keyed.status_code == 201 and keyed.json()["cast_via"] == "moderator"
        # …and the participant's own token cannot vote a second time in that section.
        assert (await s.vote(await s.token(a), points={"P2": 1})).status_code == 409

    async def test_garbage_tokens_are_401(self, client: httpx.AsyncClient) -> None:
        s, _ = await voting_session(client)
        for token in ("zv_not-a-token", "zo_", "zv_" + "a" * 5000):
            assert (await s.vote(token, points={"P1": 1})).status_code in {401, 413}


class TestObservers:
    async def test_an_observer_reads_one_session_and_writes_nothing(self, client: httpx.AsyncClient) -> None:
        s, (a, _, _) = await voting_session(client)
        other, _ = await voting_session(client)
        observer = await s.post("/observers", {"name": "Министр здравоохранения", "organisation": "Минздрав"})
        token = observer["token"]
        assert token.startswith("zo_") and observer["name"] == "Министр здравоохранения (Минздрав)"
        for path in ("", "/sections/S1/results", "/assessments", "/composition", "/observers"):
            assert (await client.get(f"{BASE}/{s.id}{path}", headers=bearer(token))).status_code == 200, path
        assert (await client.get(f"{BASE}/{other.id}", headers=bearer(token))).status_code == 403
        assert (await s.vote(token, points={"P1": 1})).status_code == 403
        for method, path, body in (
            ("POST", f"{BASE}/{s.id}/participants", {"name": "x", "category": "student"}),
            (
                "POST",
                f"{BASE}/{s.id}/evaluations",
                {"participant_id": a, "evaluator": "x", "role": "observer", "score": 5},
            ),
            ("POST", f"{BASE}/{s.id}/end", None),
            ("POST", f"{BASE}/{s.id}/observers", {"name": "x"}),
        ):
            response = await client.request(method, path, json=body, headers=bearer(token))
            assert response.status_code == 403, (path, response.text)
        listed = (await client.get(f"{BASE}/{s.id}/observers", headers=KYA_ANALYST)).json()
        assert [o["name"] for o in listed] == ["Министр здравоохранения (Минздрав)"]
        assert "token" not in listed[0]
        revoked = await client.delete(f"{BASE}/{s.id}/observers/{observer['id']}", headers=KYA_ADMIN)
        assert revoked.status_code == 204
        assert (await client.get(f"{BASE}/{s.id}", headers=bearer(token))).status_code == 401


class TestTopN:
    async def test_the_youth_session_picks_the_best_three_and_reports_the_tie_at_the_cut(
        self, client: httpx.AsyncClient
    ) -> None:
        s = await Session(client).create()
        await s.section("Y", mode="single_choice", top_n=3)
        for code in ("A", "B", "C", "D", "E"):
            await s.project(code, "Y")
        # A 4 votes, B 3, C 2, D 2, E 0: C and D tie for the third place.
        for choice in ["A"] * 4 + ["B"] * 3 + ["C"] * 2 + ["D"] * 2:
            person = await s.participant()
            assert (await s.vote(await s.token(person["id"]), section="Y", choice=choice)).status_code == 201
        result = await s.results("Y")
        assert result["top_n"] == 3
        assert result["winners"] == ["A", "B", "C", "D"]
        assert result["tie_at_cutoff"] is True and result["tie_for_first"] is False
        assert result["ties"] == [{"rank": 3, "points": 2, "project_codes": ["C", "D"]}]
        # The same votes read with N = 2 and N = 1: no tie at those cuts.
        two = await s.results("Y", top_n=2)
        assert (two["winners"], two["tie_at_cutoff"]) == (["A", "B"], False)
        assert (await s.results("Y", top_n=1))["winners"] == ["A"]

    async def test_a_tie_for_first_is_joint_winners(self, client: httpx.AsyncClient) -> None:
        s = await Session(client).create()
        await s.section("S", mode="points")
        for code in ("P1", "P2", "P3"):
            await s.project(code, "S")
        for points in ({"P1": 3, "P2": 1}, {"P2": 3, "P1": 1}, {"P3": 2}):
            person = await s.participant()
            assert (await s.vote(await s.token(person["id"]), section="S", points=points)).status_code == 201
        result = await s.results("S")
        assert result["winners"] == ["P1", "P2"]
        assert result["tie_for_first"] is True and result["tie_at_cutoff"] is True
        assert result["ties"] == [{"rank": 1, "points": 4, "project_codes": ["P1", "P2"]}]


class TestComposition:
    async def test_one_chief_physician_per_group_by_default(self, client: httpx.AsyncClient) -> None:
        s = await Session(client).create()
        g1 = await s.post("/groups", {"name": "Группа 1", "moderator": "КрасГМУ"})
        g2 = await s.post("/groups", {"name": "Группа 2", "moderator": "КрасГМУ"})
        first = await s.participant("ministry", g1["id"])
        assert first["warnings"] == ["Группа 1: 0 chief physician(s); the rule asks for exactly 1"]
        assert (await s.participant("chief_physician", g1["id"]))["warnings"] == []
        assert (await s.participant("chief_physician", g2["id"]))["warnings"] == []
        second = await s.participant("chief_physician", g2["id"])
        assert second["warnings"] == ["Группа 2: 2 chief physician(s); the rule asks for exactly 1"]
        await s.participant("student")
        report = (await client.get(f"{BASE}/{s.id}/composition", headers=KYA_ANALYST)).json()
        assert report["default_rules"] is True and report["ok"] is False
        assert [(g["name"], g["size"], g["counts"]) for g in report["groups"]] == [
            ("Группа 1", 2, {"chief_physician": 1, "ministry": 1}),
            ("Группа 2", 2, {"chief_physician": 2}),
        ]
        assert report["participants_without_group"] == 1
        assert report["warnings"][-1] == "1 participant(s) are in no working group"

    async def test_the_krasnoyarsk_rules(self, client: httpx.AsyncClient) -> None:
        s = await Session(client).create()
        rules = {
            "categories": [
                {"category": "chief_physician", "min": 7, "max": 7},
                {"category": "ministry", "min": 1, "max": 1},
                {"category": "insurance_fund", "min": 1, "max": 1},
                {"category": "college", "min": 1, "max": 1},
            ],
            "group_size_min": 10,
            "group_size_max": 10,
        }
        response = await client.put(f"{BASE}/{s.id}/composition-rules", json=rules, headers=KYA_ADMIN)
        assert response.status_code == 200, response.text
        group = await s.post("/groups", {"name": "Группа 1", "moderator": "КрасГМУ"})
        for category in ["chief_physician"] * 7 + ["ministry", "insurance_fund"]:
            last = await s.participant(category, group["id"])
        assert last["warnings"] == [
            "Группа 1: 0 college(s); the rule asks for exactly 1",
            "Группа 1: 9 participant(s); at least 10 per group",
        ]
        assert (await s.participant("college", group["id"]))["warnings"] == []
        assert (await client.get(f"{BASE}/{s.id}/composition", headers=KYA_ANALYST)).json()["ok"] is True
        bad = {"categories": [{"category": "ministry", "min": 2, "max": 1}]}
        assert (await client.put(f"{BASE}/{s.id}/composition-rules", json=bad, headers=KYA_ADMIN)).status_code == 422


class TestPipeline:
    async def test_after_selection(self, client: httpx.AsyncClient) -> None:
        s = await Session(client).create()
        await s.section("S1")
        project = await s.project("P1", "S1")
        url = f"/projects/{project['id']}/status"
        assert project["status"] == "drafted" and project["selected"] is False
        assert (await s.post(url, {"status": "pilot"}, expect=409))["reason"] == "illegal_transition"
        selected = await s.post(url, {"status": "selected"}, expect=200)
        assert (selected["status"], selected["selected"]) == ("selected", True)
        missing = await s.post(url, {"status": "refinement"}, expect=422)
        assert missing["errors"][0]["pointer"] == "/refinement_due"
        due = (date.today() - timedelta(days=1)).isoformat()
        refining = await s.post(url, {"status": "refinement", "refinement_due": due}, expect=200)
        assert (refining["refinement_due"], refining["refinement_overdue"]) == (due, True)
        await s.post(url, {"status": "commission_review", "reason": "Комиссия развития здравоохранения"}, expect=200)
        no_site = await s.post(url, {"status": "pilot"}, expect=422)
        assert no_site["errors"][0]["pointer"] == "/pilot_org_unit_codes"
        foreign = await s.post(url, {"status": "pilot", "pilot_org_unit_codes": ["MUR-GP1"]}, expect=422)
        assert foreign["errors"][0]["pointer"] == "/pilot_org_unit_codes/0"
        pilot = await s.post(url, {"status": "pilot", "pilot_org_unit_codes": ["KYA-GP1"]}, expect=200)
        assert pilot["pilot_org_unit_codes"] == ["KYA-GP1"]
        done = await s.post(url, {"status": "implementation"}, expect=200)
        assert done["status"] == "implementation"
        assert (await s.post(url, {"status": "rejected"}, expect=409))["reason"] == "illegal_transition"
        trail = (
            await client.get(
                "/v1/audit-entries", params={"entity": "session_project", "entity_id": project["id"]}, headers=KYA_ADMIN
            )
        ).json()["items"]
        statuses = [e["after"] for e in trail if e["field"] == "status"]
        assert statuses == ["selected", "refinement", "commission_review", "pilot", "implementation"]
        assert any(e["reason"] == "Комиссия развития здравоохранения" for e in trail)

    async def test_a_rejected_project_is_not_selected_for_implementation(self, client: httpx.AsyncClient) -> None:
        s = await Session(client).create()
        await s.section("S1")
        project = await s.project("P1", "S1")
        await s.post(f"/projects/{project['id']}/status", {"status": "selected"}, expect=200)
        rejected = await s.post(f"/projects/{project['id']}/status", {"status": "rejected"}, expect=200)
        assert rejected["selected"] is False
        selection = {"implement_as": "roadmap", "life_situation": "ССЗ"}
        assert (await s.post(f"/projects/{project['id']}/selection", selection, expect=409))["reason"] == (
            "project_rejected"
        )


async def krasnoyarsk_session(
    client: httpx.AsyncClient,
    *,
    groups: int,
    per_group: list[str],
    sections: dict[str, list[str]],
    selected: list[str],
    held_on: str | None,
    ended: bool,
) -> Session:
    s = await Session(client).create(held_on=held_on)
    for code, projects in sections.items():
        if ended:
            await s.section(code, **window(timedelta(days=-3), timedelta(days=1)))
        else:
            await s.section(code)
        for project in projects:
            await s.project(project, code)
    for n in range(groups):
        group = await s.post("/groups", {"name": f"Группа {n + 1}", "moderator": "КрасГМУ"})
        for category in per_group:
            await s.participant(category, group["id"])
    detail = (await client.get(f"{BASE}/{s.id}", headers=KYA_ADMIN)).json()
    ids = {p["code"]: p["id"] for p in detail["projects"]}
    for code in selected:
        await s.post(f"/projects/{ids[code]}/status", {"status": "selected"}, expect=200)
    return s


class TestKpis:
    async def test_the_krasnoyarsk_counts(self, client: httpx.AsyncClient) -> None:
        """2 sessions, 130 + 110 = 240 participants, 13 + 11 = 24 projects ("более 23"), 4 + 3 = 7
        selected (session 1: one winner in each of 3 sections, two in the tied one)."""
        first = await krasnoyarsk_session(
            client,
            groups=13,
            per_group=["chief_physician"] * 7 + ["ministry", "insurance_fund", "college"],
            sections={
                "K": [f"K{n}" for n in range(4)],
                "D": [f"D{n}" for n in range(5)],
                "M": [f"M{n}" for n in range(4)],
            },
            selected=["K0", "D0", "D1", "M0"],
            held_on="2021-11-20",
            ended=True,
        )
        await krasnoyarsk_session(
            client,
            groups=10,
            per_group=["young_doctor"] * 11,
            sections={"Y": [f"Y{n}" for n in range(11)]},
            selected=["Y0", "Y1", "Y2"],
            held_on=None,  # the source gives no date: the session counts once it has ended
            ended=True,
        )
        # A session planned for later and another region's session do not count.
        await krasnoyarsk_session(
            client,
            groups=1,
            per_group=["young_doctor"],
            sections={"Z": ["Z0"]},
            selected=["Z0"],
            held_on=(date.today() + timedelta(days=30)).isoformat(),
            ended=False,
        )
        await Session(client, FEDERAL).create(region="RU-MUR", held_on="2021-11-21")
        kpis = await client.get(f"{BASE}/kpis", params={"region": "RU-KYA"}, headers=KYA_ANALYST)
        assert kpis.status_code == 200, kpis.text
        body = kpis.json()
        assert (body["sessions_held"], body["participants"], body["projects_formed"], body["projects_selected"]) == (
            2,
            240,
            24,
            7,
        )
        assert body["projects_formed"] > 23
        assert [(x["participants"], x["held"]) for x in body["sessions"]] == [(130, True), (110, True), (1, False)]
        # By year: session 1 in 2021 by its date; the undated one by its end (two days ago).
        by_2021 = (await client.get(f"{BASE}/kpis", params={"region": "RU-KYA", "year": 2021}, headers=FEDERAL)).json()
        assert (by_2021["sessions_held"], by_2021["participants"], by_2021["projects_selected"]) == (1, 130, 4)
        end_year = (datetime.now(UTC) - timedelta(days=2)).year
        now = (await client.get(f"{BASE}/kpis", params={"region": "RU-KYA", "year": end_year}, headers=FEDERAL)).json()
        assert (now["sessions_held"], now["participants"]) == (1, 110)
        # A rejected project no longer counts as selected.
        detail = (await client.get(f"{BASE}/{first.id}", headers=KYA_ADMIN)).json()
        d1 = next(p["id"] for p in detail["projects"] if p["code"] == "D1")
        await first.post(f"/projects/{d1}/status", {"status": "rejected"}, expect=200)
        again = (await client.get(f"{BASE}/kpis", params={"region": "RU-KYA"}, headers=FEDERAL)).json()
        assert again["projects_selected"] == 6

    @pytest.mark.parametrize(
        ("params", "status"),
        [({"region": "RU-MUR"}, 403), ({}, 422), ({"region": "RU-KYA", "year": 99999}, 422)],
    )
    async def test_scope_and_parameters(self, client: httpx.AsyncClient, params: dict[str, Any], status: int) -> None:
        assert (await client.get(f"{BASE}/kpis", params=params, headers=KYA_ANALYST)).status_code == status


async def test_an_observer_name_that_does_not_fit_is_422(client: httpx.AsyncClient) -> None:
    s = await Session(client).create()
    body = {"name": "Н" * 200, "organisation": "О" * 200}
    response = await client.post(f"{BASE}/{s.id}/observers", json=body, headers=KYA_ADMIN)
    assert response.status_code == 422
