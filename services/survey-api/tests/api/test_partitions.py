"""Issue 18 item 3: ``responses`` partitioned by quarter on PostgreSQL (one table on SQLite), with the
idempotency key held across partitions by ``response_ids``.

A resend whose quarter differs from the stored row's (its ``submitted_at`` moved across a quarter
boundary) is a conflict, never a second row in another partition; the same body again is a duplicate;
concurrent resends across the boundary store one row. On PostgreSQL: partitions exist ahead of today,
rows land in their quarter's partition, and a quarter whose rows wait in the default partition gets
its own with them moved in.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from survey_api.responses.partitions import (
    DEFAULT_PARTITION,
    create_partition,
    ensure_partitions,
    partition_name,
    quarters_around,
)

from .conftest import FEDERAL, answers, create_campaign, kiosk_auth, register_kiosk

pytestmark = pytest.mark.usefixtures("kpi")

LAST_OF_Q1 = "2025-03-31T23:30:00+03:00"  # Moscow: still March, 2025Q1
FIRST_OF_Q2 = "2025-04-01T00:30:00+03:00"  # an hour later: April, 2025Q2


def _single(response_id: str, submitted_at: str) -> dict[str, Any]:
    return {
        "id": response_id,
        "submitted_at": submitted_at,
        "answers": answers(),
        "campaign_code": "mur-2025",
        "org_unit_code": "MUR-GP1",
        "channel": "online",
    }


async def _stored(app: FastAPI, response_id: str) -> tuple[int, int, int]:
    """Rows of the id in ``responses``, in ``response_ids``, and all responses counted."""
    async with app.state.db.engine.connect() as conn:
        rows = await conn.scalar(text(f"SELECT count(*) FROM responses WHERE id = '{response_id}'"))
        if app.state.db.engine.dialect.name == "sqlite":  # SQLite stores the Uuid type as 32 hex digits
            rows = await conn.scalar(text(f"SELECT count(*) FROM responses WHERE id = '{uuid.UUID(response_id).hex}'"))
            ids = await conn.scalar(
                text(f"SELECT count(*) FROM response_ids WHERE id = '{uuid.UUID(response_id).hex}'")
            )
        else:
            ids = await conn.scalar(text(f"SELECT count(*) FROM response_ids WHERE id = '{response_id}'"))
        counted = await conn.scalar(text("SELECT coalesce(sum(n + screened_out), 0) FROM response_counts"))
    return int(rows or 0), int(ids or 0), int(counted or 0)


async def test_a_resend_across_a_quarter_boundary_is_a_conflict_never_a_second_row(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await create_campaign(client)
    response_id = str(uuid.uuid4())
    first = await client.post("/v1/responses", json=_single(response_id, LAST_OF_Q1), headers=FEDERAL)
    assert first.status_code == 201, first.text
    assert first.json()["period"] == "2025-03"
    # The same id, answered "an hour later": its row would belong to 2025Q2's partition.
    moved = await client.post("/v1/responses", json=_single(response_id, FIRST_OF_Q2), headers=FEDERAL)
    assert moved.status_code == 409, moved.text
    again = await client.post("/v1/responses", json=_single(response_id, LAST_OF_Q1), headers=FEDERAL)
    assert again.status_code == 200, again.text  # the same body: a duplicate
    assert await _stored(app, response_id) == (1, 1, 1)


async def test_concurrent_resends_across_the_boundary_store_one_row(client: httpx.AsyncClient, app: FastAPI) -> None:
    await create_campaign(client)
    response_id = str(uuid.uuid4())
    sides = [LAST_OF_Q1, FIRST_OF_Q2] * 4
    answered = await asyncio.gather(
        *(client.post("/v1/responses", json=_single(response_id, when), headers=FEDERAL) for when in sides)
    )
    statuses = [r.status_code for r in answered]
    assert statuses.count(201) == 1, statuses
    winner = sides[statuses.index(201)]
    for when, status in zip(sides, statuses, strict=True):
        if status != 201:  # the winner's body again: a duplicate; the other quarter's: a conflict
            assert status == (200 if when == winner else 409), (when, statuses)
    assert await _stored(app, response_id) == (1, 1, 1)


async def test_concurrent_kiosk_batches_across_the_boundary_store_each_id_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await create_campaign(client)
    kiosk = await register_kiosk(client)
    ids = [str(uuid.uuid4()) for _ in range(20)]

    def batch(when: str) -> dict[str, Any]:
        return {"responses": [{"id": i, "submitted_at": when, "answers": answers()} for i in ids]}

    results = await asyncio.gather(
        *(
            client.post("/v1/responses/batch", json=batch(when), headers=kiosk_auth(kiosk))
            for when in (LAST_OF_Q1, FIRST_OF_Q2, LAST_OF_Q1, FIRST_OF_Q2)
        )
    )
    statuses = [[item["status"] for item in r.json()["results"]] for r in results]
    for position in range(len(ids)):
        assert sorted(s[position] for s in statuses).count("accepted") == 1
    async with app.state.db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM responses")) == len(ids)
        assert await conn.scalar(text("SELECT count(*) FROM response_ids")) == len(ids)
        assert await conn.scalar(text("SELECT sum(n + screened_out) FROM response_counts")) == len(ids)


@pytest.fixture
def postgres(app: FastAPI) -> FastAPI:
    if app.state.db.engine.dialect.name != "postgresql":
        pytest.skip("partitions are PostgreSQL's; SQLite keeps one table")
    return app


async def _partitions(app: FastAPI) -> set[str]:
    async with app.state.db.engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'responses'::regclass"
            )
        )
        return {name for (name,) in found}


async def test_partitions_exist_ahead_of_today(postgres: FastAPI) -> None:
    existing = await _partitions(postgres)
    today = datetime.now(UTC).date()
    assert {partition_name(q) for q in quarters_around(today)} <= existing
    assert DEFAULT_PARTITION in existing
    # Start-up asks again and finds nothing to do; a later day needs the next quarters.
    assert await ensure_partitions(postgres.state.db.engine, today) == []
    later = quarters_around(date(today.year + 3, today.month, 1))
    created = await ensure_partitions(postgres.state.db.engine, date(today.year + 3, today.month, 1))
    assert set(created) <= set(later)
    assert {partition_name(q) for q in later} <= await _partitions(postgres)


async def test_rows_land_in_their_quarters_partition_and_move_out_of_the_default(
    client: httpx.AsyncClient, postgres: FastAPI
) -> None:
    engine = postgres.state.db.engine
    await create_campaign(client, ends_on="2027-12-31")
    # A quarter without its own partition yet (long past, as back-dated paper forms are) goes to the
    # default partition; creating the quarter's partition later moves its rows in.
    async with engine.begin() as conn:
        for name in (partition_name("2025Q1"), partition_name("2025Q2")):
            await conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    ids = {when: str(uuid.uuid4()) for when in (LAST_OF_Q1, FIRST_OF_Q2)}
    for when, response_id in ids.items():
        answer = await client.post("/v1/responses", json=_single(response_id, when), headers=FEDERAL)
        assert answer.status_code == 201, answer.text

    async def where() -> dict[str, str]:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT id::text, tableoid::regclass::text FROM responses"))
            return dict(rows.all())  # type: ignore[arg-type]

    assert await where() == {i: DEFAULT_PARTITION for i in ids.values()}
    async with engine.begin() as conn:
        await create_partition(conn, "2025Q1")
    assert await where() == {ids[LAST_OF_Q1]: "responses_2025q1", ids[FIRST_OF_Q2]: DEFAULT_PARTITION}
    async with engine.begin() as conn:
        await create_partition(conn, "2025Q2")
    assert await where() == {ids[LAST_OF_Q1]: "responses_2025q1", ids[FIRST_OF_Q2]: "responses_2025q2"}
    # New rows go straight to their partition, and the moved ones are still resends.
    fresh = str(uuid.uuid4())
    answer = await client.post("/v1/responses", json=_single(fresh, FIRST_OF_Q2), headers=FEDERAL)
    assert answer.status_code == 201, answer.text
    assert (await where())[fresh] == "responses_2025q2"
    resend = await client.post("/v1/responses", json=_single(ids[LAST_OF_Q1], FIRST_OF_Q2), headers=FEDERAL)
    assert resend.status_code == 409, resend.text
    # A quarter's aggregates read one partition of the raw rows (exports): the planner prunes the rest.
    async with engine.connect() as conn:
        plan = "\n".join(
            row[0]
            for row in await conn.execute(text("EXPLAIN SELECT count(*) FROM responses WHERE quarter = '2025Q2'"))
        )
    assert "responses_2025q2" in plan and "responses_2025q1" not in plan and DEFAULT_PARTITION not in plan, plan
