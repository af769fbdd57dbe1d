"""Writes that do not lose updates: 16 requests at once against one value, on the real database.

The requests run concurrently through the ASGI app (``asyncio.gather``), each in its own session and
connection. A gate in the value repository holds every request after it has read the value until all
of them (as many as the connection pool can hold at once: 15 on SQLite, 16 on PostgreSQL) have read
it — so they all decide on the same stale version, and only the compare-and-set in the UPDATE
statement can tell the winner. Without the gate the race would depend on scheduling; with it, the
losers are proven to have passed every check in Python and been stopped by the database.

On SQLite the writers are genuinely concurrent up to the write itself: WAL lets them read side by
side, and the database then serialises the UPDATEs (one writer at a time, the others wait in the busy
handler); each UPDATE reads the row as it is when it runs, so the version check still decides. On
PostgreSQL the UPDATEs queue on the row lock and re-check the WHERE clause on the committed row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kpi_api.values.repository import ValueRepository
from zdrav_shared.testing import auth

from .conftest import FEDERAL, create_indicator, item, post_values

pytestmark = pytest.mark.usefixtures("org_tree")

WRITERS = 16


class Gate:
    """Holds each arriving request until ``parties`` have arrived; later ones pass at once. Disarmed,
    it lets everything through (for the set-up requests of a test)."""

    def __init__(self, parties: int) -> None:
        self.capacity = parties
        self.arm(parties)

    def arm(self, parties: int) -> None:
        self.parties = parties
        self.arrived = 0
        self.open = asyncio.Event()
        self.versions_read: list[int] = []

    def disarm(self) -> None:
        self.arm(1)

    async def wait(self, version: int | None) -> None:
        if version is not None:
            self.versions_read.append(version)
        self.arrived += 1
        if self.arrived >= self.parties:
            self.open.set()
        await self.open.wait()


def pool_capacity(app: FastAPI) -> int:
    pool = app.state.db.engine.pool
    return int(pool.size() + max(0, pool._max_overflow))


@pytest.fixture
def gate(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """Every read of values (bulk writes) and of one value (workflow steps) waits at the gate."""
    found = Gate(min(WRITERS, pool_capacity(app) - 1))
    existing, get = ValueRepository.existing, ValueRepository.get

    async def gated_existing(self: ValueRepository, *args: Any) -> Any:
        rows = await existing(self, *args)
        await found.wait(next(iter(rows.values())).version if rows else None)
        return rows

    async def gated_get(self: ValueRepository, *args: Any) -> Any:
        row = await get(self, *args)
        await found.wait(row[0].version if row else None)
        return row

    monkeypatch.setattr(ValueRepository, "existing", gated_existing)
    monkeypatch.setattr(ValueRepository, "get", gated_get)
    yield found


def writer(n: int) -> dict[str, str]:
    return auth(["mo_operator"], ["RU-MUR"], sub=f"operator-{n}")


async def together(calls: list[Callable[[], Awaitable[httpx.Response]]]) -> list[httpx.Response]:
    return list(await asyncio.gather(*(call() for call in calls)))


async def history(client: httpx.AsyncClient, value_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/values/{value_id}/history", headers=FEDERAL)
    assert response.status_code == 200, response.text
    return list(response.json())


@pytest.fixture
async def value_id(client: httpx.AsyncClient) -> int:
    await create_indicator(client, "VISITS")
    created = await post_values(client, [item("VISITS", "MUR-A", "2025Q2", 100)])
    assert created[0]["status"] == "created" and created[0]["version"] == 1
    return int(created[0]["id"])


class TestSameVersion:
    async def test_exactly_one_of_sixteen_writers_wins(
        self, client: httpx.AsyncClient, value_id: int, gate: Gate
    ) -> None:
        def write(n: int) -> Callable[[], Awaitable[httpx.Response]]:
            body = {"items": [item("VISITS", "MUR-A", "2025Q2", 200 + n, version=1)]}
            return lambda: client.post("/v1/values", json=body, headers=writer(n))

        responses = await together([write(n) for n in range(WRITERS)])
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
        results = [r.json()["results"][0] for r in responses]
        # The race happened: at least the gate's parties decided on version 1 before anyone wrote.
        assert gate.versions_read.count(1) >= gate.parties >= 2
        winners = [n for n, r in enumerate(results) if r["status"] == "updated"]
        assert len(winners) == 1, results
        assert results[winners[0]]["version"] == 2
        for n, result in enumerate(results):
            if n in winners:
                continue
            assert result["status"] == "rejected", result
            assert result["problem"]["status"] == 409 and result["problem"]["current_version"] == 2, result
        stored = (await client.get(f"/v1/values/{value_id}", headers=FEDERAL)).json()
        assert (stored["value"], stored["version"]) == (200 + winners[0], 2)
        events = await history(client, value_id)
        assert [e["action"] for e in events] == ["created", "updated"]  # one audit entry for one change
        assert events[1]["before"]["value"] == "100" and events[1]["after"]["value"] == str(200 + winners[0])

    async def test_other_items_of_a_raced_request_are_still_stored(
        self, client: httpx.AsyncClient, value_id: int, gate: Gate
    ) -> None:
        def write(n: int) -> Callable[[], Awaitable[httpx.Response]]:
            items = [
                item("VISITS", "MUR-A", "2025Q2", 300 + n, version=1),
                item("VISITS", "MUR-B", f"{2010 + n}Q1", n),  # each request's own new value
            ]
            return lambda: client.post("/v1/values", json={"items": items}, headers=writer(n))

        responses = await together([write(n) for n in range(WRITERS)])
        results = [r.json()["results"] for r in responses]
        assert sum(r[0]["status"] == "updated" for r in results) == 1
        assert all(r[1]["status"] == "created" for r in results)


class TestWithoutVersion:
    async def test_every_write_applies_with_its_own_version_and_audit_entry(
        self, client: httpx.AsyncClient, value_id: int, gate: Gate
    ) -> None:
        def write(n: int) -> Callable[[], Awaitable[httpx.Response]]:
            body = {"items": [item("VISITS", "MUR-A", "2025Q2", 500 + n)]}
            return lambda: client.post("/v1/values", json=body, headers=writer(n))

        responses = await together([write(n) for n in range(WRITERS)])
        results = [r.json()["results"][0] for r in responses]
        assert all(r["status"] == "updated" for r in results), results
        # Two different states never share a version (an ETag).
        assert sorted(r["version"] for r in results) == list(range(2, WRITERS + 2))
        events = await history(client, value_id)
        updates = events[1:]
        assert len(updates) == WRITERS
        # Each change replaced the state the one before it left: no "before" is stale.
        for earlier, later in zip(events, updates, strict=False):
            assert later["before"]["value"] == earlier["after"]["value"]
        stored = (await client.get(f"/v1/values/{value_id}", headers=FEDERAL)).json()
        assert stored["version"] == WRITERS + 1 and stored["value"] == float(updates[-1]["after"]["value"])

    async def test_sixteen_creators_of_one_new_value(self, client: httpx.AsyncClient, gate: Gate) -> None:
        await create_indicator(client, "BEDS")

        def write(n: int) -> Callable[[], Awaitable[httpx.Response]]:
            body = {"items": [item("BEDS", "MUR-A", "2025Q2", 10 + n)]}
            return lambda: client.post("/v1/values", json=body, headers=writer(n))

        responses = await together([write(n) for n in range(WRITERS)])
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        results = [r.json()["results"][0] for r in responses]
        assert [r["status"] for r in results].count("created") == 1, results
        assert all(r["status"] in ("created", "updated") for r in results), results
        assert len({r["id"] for r in results}) == 1
        assert sorted(r["version"] for r in results) == list(range(1, WRITERS + 1))
        events = await history(client, results[0]["id"])
        assert [e["action"] for e in events] == ["created"] + ["updated"] * (WRITERS - 1)


class TestWorkflowRaces:
    async def test_one_of_sixteen_approvers_wins(self, client: httpx.AsyncClient, value_id: int, gate: Gate) -> None:
        gate.disarm()
        submitted = await client.post(f"/v1/values/{value_id}/submit", headers=FEDERAL)
        assert submitted.status_code == 200, submitted.text
        gate.arm(gate.capacity)

        def approve(n: int) -> Callable[[], Awaitable[httpx.Response]]:
            headers = auth(["regional_admin"], ["RU-MUR"], sub=f"approver-{n}")
            return lambda: client.post(f"/v1/values/{value_id}/approve", headers=headers)

        responses = await together([approve(n) for n in range(WRITERS)])
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [409] * (WRITERS - 1), [r.text for r in responses]
        assert gate.versions_read.count(2) >= gate.parties
        gate.disarm()
        events = await history(client, value_id)
        assert [e["action"] for e in events] == ["created", "submitted", "approved"]

    async def test_a_write_racing_an_approval(self, client: httpx.AsyncClient, value_id: int, gate: Gate) -> None:
        """Whichever commits first wins; the other is refused, and an approved value is never overwritten."""
        gate.disarm()
        assert (await client.post(f"/v1/values/{value_id}/submit", headers=FEDERAL)).status_code == 200
        gate.arm(2)
        approver = auth(["regional_admin"], ["RU-MUR"], sub="approver")
        write = {"items": [item("VISITS", "MUR-A", "2025Q2", 999)]}
        approval, written = await together(
            [
                lambda: client.post(f"/v1/values/{value_id}/approve", headers=approver),
                lambda: client.post("/v1/values", json=write, headers=writer(1)),
            ]
        )
        result = written.json()["results"][0]
        gate.disarm()
        stored = (await client.get(f"/v1/values/{value_id}", headers=FEDERAL)).json()
        if approval.status_code == 200:
            assert result["status"] == "rejected" and result["problem"]["status"] == 409, result
            assert (stored["status"], stored["value"]) == ("approved", 100)
        else:
            assert approval.status_code == 409 and result["status"] == "updated"
            assert (stored["status"], stored["value"]) == ("submitted", 999)


class TestLockOrder:
    async def test_two_requests_writing_the_same_values_in_opposite_orders(
        self, client: httpx.AsyncClient, value_id: int, gate: Gate
    ) -> None:
        """Items are written in one order whatever order they come in: no deadlock on PostgreSQL."""
        gate.disarm()
        await post_values(client, [item("VISITS", "MUR-B", "2025Q2", 100)])
        gate.arm(2)
        first = [item("VISITS", "MUR-A", "2025Q2", 1), item("VISITS", "MUR-B", "2025Q2", 1)]
        second = [item("VISITS", "MUR-B", "2025Q2", 2), item("VISITS", "MUR-A", "2025Q2", 2)]
        responses = await together(
            [
                lambda: client.post("/v1/values", json={"items": first}, headers=writer(1)),
                lambda: client.post("/v1/values", json={"items": second}, headers=writer(2)),
            ]
        )
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        for response in responses:
            assert [r["status"] for r in response.json()["results"]] == ["updated", "updated"]
            assert [r["index"] for r in response.json()["results"]] == [0, 1]
