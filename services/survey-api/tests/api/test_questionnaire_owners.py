"""Questionnaires have an owner, and every write is the owner's and is audited (CONTRACT.md, "Who may
change what"). The scenario of issue 12: a regional_admin of RU-MUR edited and published a
questionnaire RU-KYA had made, and nothing recorded it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from zdrav_shared.testing import auth

from .conftest import FEDERAL, MUR_OPERATOR

pytestmark = pytest.mark.usefixtures("kpi")

KYA = auth(["regional_admin"], ["RU-KYA"], sub="kya-minister")
MUR = auth(["regional_admin"], ["RU-MUR"], sub="mur-minister")
BOTH = auth(["regional_admin"], ["RU-MUR", "RU-KYA"], sub="two-regions")
QUESTIONS: list[dict[str, Any]] = [
    {"code": "q1_process", "type": "satisfaction5", "text_ru": "Довольны ли Вы питанием?", "required": True},
    {"code": "nps", "type": "nps", "text_ru": "Порекомендуете?", "required": True},
]


async def create(client: httpx.AsyncClient, headers: dict[str, str], code: str = "kya-canteen", **extra: Any) -> Any:
    body = {"code": code, "title_ru": "Столовая", "questions": QUESTIONS, **extra}
    return await client.post("/v1/questionnaires", json=body, headers=headers)


async def history(client: httpx.AsyncClient, code: str = "kya-canteen") -> list[dict[str, Any]]:
    response = await client.get(f"/v1/questionnaires/{code}/history", headers=MUR_OPERATOR)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class TestOwner:
    async def test_the_callers_own_region_owns_what_it_creates(self, client: httpx.AsyncClient) -> None:
        created = await create(client, KYA, reason="опрос о питании в стационарах")
        assert created.status_code == 201, created.text
        assert created.json()["owner"] == "RU-KYA"
        federal = await create(client, FEDERAL, code="federal-canteen")
        assert federal.json()["owner"] == "RU"
        [row] = await history(client)
        assert (row["action"], row["actor"], row["version"], row["before"]) == ("created", "kya-minister", 1, None)
        assert row["after"]["owner"] == "RU-KYA" and row["after"]["status"] == "draft"
        assert row["reason"] == "опрос о питании в стационарах"
        listed = await client.get("/v1/questionnaires", params={"owner": "RU-KYA"}, headers=MUR_OPERATOR)
        assert [q["code"] for q in listed.json()["items"]] == ["kya-canteen"]

    async def test_nobody_creates_for_another_owner(self, client: httpx.AsyncClient) -> None:
        for headers, owner in ((MUR, "RU-KYA"), (FEDERAL, "RU-MUR"), (MUR, "RU")):
            refused = await create(client, headers, owner=owner)
            assert refused.status_code == 403, refused.text
            assert refused.json()["reason"] == "not_owner"
        # Scoped to two regions: say which one owns it.
        ambiguous = await create(client, BOTH)
        assert ambiguous.status_code == 422
        assert ambiguous.json()["errors"][0]["pointer"] == "/owner"
        named = await create(client, BOTH, owner="RU-MUR")
        assert (named.status_code, named.json()["owner"]) == (201, "RU-MUR")
        assert (await create(client, MUR_OPERATOR, code="op")).status_code == 403

    async def test_another_region_can_neither_edit_publish_nor_version_it(self, client: httpx.AsyncClient) -> None:
        await create(client, KYA)
        before = await history(client)
        edit = await client.patch("/v1/questionnaires/kya-canteen/versions/1", json={"title_ru": "Буфет"}, headers=MUR)
        assert edit.status_code == 403
        problem = edit.json()
        assert problem["reason"] == "not_owner" and problem["owner"] == "RU-KYA"
        assert "RU-KYA" in problem["detail"]
        assert (await client.post("/v1/questionnaires/kya-canteen/versions/1/publish", headers=MUR)).status_code == 403
        # Federal owns RU only: a region's questionnaire is the region's to change.
        assert (
            await client.post("/v1/questionnaires/kya-canteen/versions/1/publish", headers=FEDERAL)
        ).status_code == (403)
        await client.post("/v1/questionnaires/kya-canteen/versions/1/publish", headers=KYA)
        assert (await client.post("/v1/questionnaires/kya-canteen/versions", headers=MUR)).status_code == 403
        read = (await client.get("/v1/questionnaires/kya-canteen", headers=MUR)).json()
        assert (read["title_ru"], read["status"]) == ("Столовая", "published")  # readable, unchanged by MUR
        assert len(await history(client)) == len(before) + 1  # only KYA's publish

    async def test_nsi_standard_is_the_federations(self, client: httpx.AsyncClient) -> None:
        refused = await client.post("/v1/questionnaires/nsi-standard/versions", headers=KYA)
        assert refused.status_code == 403 and refused.json()["owner"] == "RU"
        rows = await history(client, "nsi-standard")
        assert [(r["action"], r["actor"], r["version"]) for r in rows] == [
            ("published", "system", 1),
            ("published", "system", 2),
        ]
        assert "sixth question" in rows[1]["reason"]
        assert [q["code"] for q in rows[1]["after"]["questions"]][-1] == "screening"
        draft = await client.post(
            "/v1/questionnaires/nsi-standard/versions", json={"reason": "вопрос о записи"}, headers=FEDERAL
        )
        assert (draft.status_code, draft.json()["version"], draft.json()["owner"]) == (201, 3, "RU")
        assert (await history(client, "nsi-standard"))[-1]["action"] == "version_created"

    async def test_unknown_code(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/questionnaires/nope/history", headers=FEDERAL)).status_code == 404
        assert (await client.post("/v1/questionnaires/nope/versions", headers=KYA)).status_code == 404


class TestHistory:
    async def test_every_write_with_before_after_who_and_why(self, client: httpx.AsyncClient) -> None:
        await create(client, KYA)
        edited = await client.patch(
            "/v1/questionnaires/kya-canteen/versions/1",
            json={"title_ru": "Питание в стационаре", "reason": "уточнили название"},
            headers={**KYA, "If-Match": 'W/"1"'},
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["revision"] == 2
        published = await client.post(
            "/v1/questionnaires/kya-canteen/versions/1/publish", json={"reason": "утверждено приказом"}, headers=KYA
        )
        assert published.json()["status"] == "published"
        # Publishing again changes nothing and records nothing.
        await client.post("/v1/questionnaires/kya-canteen/versions/1/publish", headers=KYA)
        second = await client.post("/v1/questionnaires/kya-canteen/versions", headers=KYA)
        assert second.json()["version"] == 2
        rows = await history(client)
        assert [(r["action"], r["version"], r["actor"]) for r in rows] == [
            ("created", 1, "kya-minister"),
            ("updated", 1, "kya-minister"),
            ("published", 1, "kya-minister"),
            ("version_created", 2, "kya-minister"),
        ]
        updated, publish = rows[1], rows[2]
        assert (updated["before"]["title_ru"], updated["after"]["title_ru"]) == ("Столовая", "Питание в стационаре")
        assert (updated["before"]["revision"], updated["after"]["revision"]) == (1, 2)
        assert updated["reason"] == "уточнили название"
        assert (publish["before"]["status"], publish["after"]["status"]) == ("draft", "published")
        assert publish["after"]["published_at"] is not None and publish["reason"] == "утверждено приказом"
        assert rows[3]["before"] is None and rows[3]["after"]["status"] == "draft"
        assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)

    async def test_refused_writes_leave_no_trace(self, client: httpx.AsyncClient) -> None:
        await create(client, KYA)
        stale = await client.patch(
            "/v1/questionnaires/kya-canteen/versions/1", json={"title_en": "X"}, headers={**KYA, "If-Match": 'W/"7"'}
        )
        assert stale.status_code == 409
        invalid = await client.patch(
            "/v1/questionnaires/kya-canteen/versions/1",
            json={"questions": [*QUESTIONS, {**QUESTIONS[0], "code": "nps"}]},
            headers=KYA,
        )
        assert invalid.status_code == 422
        assert [r["action"] for r in await history(client)] == ["created"]

    async def test_concurrent_edits_with_one_etag_one_wins(self, client: httpx.AsyncClient) -> None:
        """Sixteen editors read revision 1 and write at once: the revision is checked in the statement
        that writes, so exactly one edit lands and exactly one history row says so."""
        await create(client, KYA)
        replies = await asyncio.gather(
            *(
                client.patch(
                    "/v1/questionnaires/kya-canteen/versions/1",
                    json={"title_en": f"Canteen {i}"},
                    headers={**KYA, "If-Match": 'W/"1"'},
                )
                for i in range(16)
            )
        )
        statuses = sorted(r.status_code for r in replies)
        assert statuses == [200] + [409] * 15, [r.text for r in replies if r.status_code not in (200, 409)]
        winner = next(r.json() for r in replies if r.status_code == 200)
        rows = await history(client)
        assert [r["action"] for r in rows] == ["created", "updated"]
        assert rows[1]["after"]["title_en"] == winner["title_en"]
        current = (await client.get("/v1/questionnaires/kya-canteen/versions/1", headers=KYA)).json()
        assert (current["title_en"], current["revision"]) == (winner["title_en"], 2)

    async def test_concurrent_publishes_record_one_publication(self, client: httpx.AsyncClient) -> None:
        await create(client, KYA)
        replies = await asyncio.gather(
            *(client.post("/v1/questionnaires/kya-canteen/versions/1/publish", headers=KYA) for _ in range(8))
        )
        assert {r.status_code for r in replies} == {200}
        assert [r["action"] for r in await history(client)] == ["created", "published"]
