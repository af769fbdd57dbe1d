"""Writes without lost updates (issue 12 item 7): concurrent writers of one task or one roadmap on
the real backend (SQLite or PostgreSQL), each request on its own connection."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm.exc import StaleDataError

from roadmap_api.models import Task

from .conftest import FEDERAL, Approve

WRITERS = 16


async def journal(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    response = await client.get(path, params={"limit": 500}, headers=FEDERAL)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


class TestTaskCompareAndSet:
    @pytest.mark.parametrize("via", ["if_match", "body"])
    async def test_sixteen_writers_with_one_etag_one_wins(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, via: str
    ) -> None:
        tid = (await make_task((await make_roadmap())["id"]))["id"]
        etag = (await client.get(f"/v1/tasks/{tid}", headers=FEDERAL)).headers["etag"]
        assert etag == 'W/"1"'

        async def write(n: int) -> httpx.Response:
            if via == "body":
                return await client.patch(
                    f"/v1/tasks/{tid}", json={"title": f"writer {n}", "version": 1}, headers=FEDERAL
                )
            return await client.patch(
                f"/v1/tasks/{tid}", json={"title": f"writer {n}"}, headers={**FEDERAL, "If-Match": etag}
            )

        answers = await asyncio.gather(*(write(n) for n in range(WRITERS)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [409] * (WRITERS - 1), statuses
        winner = next(a for a in answers if a.status_code == 200)
        for lost in (a for a in answers if a.status_code == 409):
            assert lost.headers["content-type"] == "application/problem+json"
            assert lost.headers["etag"] == 'W/"2"' and lost.json()["current_etag"] == 'W/"2"'
        stored = (await client.get(f"/v1/tasks/{tid}", headers=FEDERAL)).json()
        assert stored["title"] == winner.json()["title"] and stored["version"] == 2
        titles = [e for e in await journal(client, f"/v1/tasks/{tid}/journal") if e["field"] == "title"]
        assert len(titles) == 2  # created, and the one update that won
        assert [(e["action"], e["before"], e["after"]) for e in titles][1] == (
            "updated",
            "Мероприятие",
            stored["title"],
        )

    async def test_without_if_match_every_write_applies_with_its_own_version(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        """16 writers without If-Match, each a different progress figure: all apply, one after the
        other; the versions 2…17 are each used once and the journal chains every before to the
        previous after."""
        tid = (await make_task((await make_roadmap())["id"]))["id"]

        async def write(n: int) -> httpx.Response:
            return await client.patch(f"/v1/tasks/{tid}", json={"progress_pct": n + 1}, headers=FEDERAL)

        answers = await asyncio.gather(*(write(n) for n in range(WRITERS)))
        assert [a.status_code for a in answers] == [200] * WRITERS
        etags = sorted(int(a.headers["etag"][3:-1]) for a in answers)
        assert etags == list(range(2, WRITERS + 2))
        for answer in answers:
            assert answer.json()["version"] == int(answer.headers["etag"][3:-1])
        entries = [e for e in await journal(client, f"/v1/tasks/{tid}/journal") if e["field"] == "progress_pct"]
        assert len(entries) == WRITERS
        chain = [e["before"] for e in entries] + [entries[-1]["after"]]
        assert chain[0] is None and sorted(chain[1:]) == list(range(1, WRITERS + 1))
        assert all(entries[i]["after"] == entries[i + 1]["before"] for i in range(WRITERS - 1))
        stored = (await client.get(f"/v1/tasks/{tid}", headers=FEDERAL)).json()
        assert (stored["progress_pct"], stored["version"]) == (entries[-1]["after"], WRITERS + 1)

    async def test_a_same_state_write_keeps_the_etag(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        tid = (await make_task((await make_roadmap())["id"]))["id"]
        first = await client.patch(f"/v1/tasks/{tid}", json={"title": "Мероприятие"}, headers=FEDERAL)
        assert first.headers["etag"] == 'W/"1"'
        second = await client.patch(f"/v1/tasks/{tid}", json={"title": "Другое"}, headers=FEDERAL)
        assert second.headers["etag"] == 'W/"2"'

    async def test_an_approval_changes_every_tasks_etag(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient, approve: Approve
    ) -> None:
        """Approval sets the tasks' baseline dates: a task read before it has another state now."""
        rid = (await make_roadmap())["id"]
        tid = (await make_task(rid))["id"]
        before = await client.get(f"/v1/tasks/{tid}", headers=FEDERAL)
        await approve(rid)
        after = await client.get(f"/v1/tasks/{tid}", headers=FEDERAL)
        assert before.headers["etag"] != after.headers["etag"]
        assert after.json()["baseline_due_date"] == "2025-03-31"
        stale = await client.patch(
            f"/v1/tasks/{tid}", json={"title": "x"}, headers={**FEDERAL, "If-Match": before.headers["etag"]}
        )
        assert stale.status_code == 409 and stale.headers["etag"] == after.headers["etag"]


class TestRoadmapCompareAndSet:
    async def test_sixteen_roadmap_writers_with_one_etag_one_wins(
        self, make_roadmap: Any, client: httpx.AsyncClient
    ) -> None:
        rid = (await make_roadmap())["id"]

        async def write(n: int) -> httpx.Response:
            return await client.patch(
                f"/v1/roadmaps/{rid}", json={"title": f"ДК {n}"}, headers={**FEDERAL, "If-Match": 'W/"1"'}
            )

        answers = await asyncio.gather(*(write(n) for n in range(WRITERS)))
        assert sorted(a.status_code for a in answers) == [200] + [409] * (WRITERS - 1)
        titles = [e for e in await journal(client, f"/v1/roadmaps/{rid}/journal") if e["field"] == "title"]
        assert [e["action"] for e in titles] == ["created", "updated"]

    async def test_sixteen_concurrent_approvals_approve_once(
        self, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        rid = (await make_roadmap())["id"]
        await make_task(rid)

        async def approve_it() -> httpx.Response:
            return await client.post(f"/v1/roadmaps/{rid}/status", json={"status": "approved"}, headers=FEDERAL)

        answers = await asyncio.gather(*(approve_it() for _ in range(WRITERS)))
        assert sorted(a.status_code for a in answers) == [200] + [409] * (WRITERS - 1)
        versions = (await client.get(f"/v1/roadmaps/{rid}/versions", headers=FEDERAL)).json()
        assert [(v["version"], v["status"]) for v in versions] == [(1, "approved")]
        detail = (await client.get(f"/v1/roadmaps/{rid}/versions/1", headers=FEDERAL)).json()
        assert len(detail["tasks"]) == 1
        approvals = [e for e in await journal(client, f"/v1/roadmaps/{rid}/journal") if e["action"] == "approved"]
        assert (
            len({e["entity_id"] for e in approvals}) == 1 and len([e for e in approvals if e["field"] == "status"]) == 1
        )


class TestTheWriteIsTheCheck:
    async def test_a_write_from_a_stale_read_misses_in_the_update_itself(
        self, app: FastAPI, make_roadmap: Any, make_task: Any, client: httpx.AsyncClient
    ) -> None:
        """Two sessions read version 1; the first commits a change; the second's UPDATE (which says
        `AND version = 1`) matches no row and raises instead of overwriting — the check is in the
        statement, not in a read before it."""
        tid = (await make_task((await make_roadmap())["id"]))["id"]
        sessionmaker = app.state.db.sessionmaker
        async with sessionmaker() as first, sessionmaker() as second:
            mine = await first.get(Task, tid)
            theirs = await second.get(Task, tid)
            assert mine is not None and theirs is not None and mine.version == theirs.version == 1
            mine.title, mine.version = "первый", 2
            await first.commit()
            theirs.title, theirs.version = "второй", 2
            with pytest.raises(StaleDataError):
                await second.flush()
            await second.rollback()
        stored = (await client.get(f"/v1/tasks/{tid}", headers=FEDERAL)).json()
        assert (stored["title"], stored["version"]) == ("первый", 2)
