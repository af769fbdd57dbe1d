"""Count rows are striped per writing connection (``aggregates.counting.STRIPES``): two writers of the
same org unit, month and channel do not wait for each other's commit, and readers see their sum.

PostgreSQL only: SQLite has one writer at a time and one stripe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from survey_api.aggregates.counting import STRIPES, add_counts_statement
from survey_api.models import COUNT_COLUMNS

from .conftest import FEDERAL, create_campaign

pytestmark = pytest.mark.usefixtures("kpi")


def _counts(campaign_id: int, n: int) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "quarter": "2025Q2",
        "month": "2025-05",
        "org_unit_path": "/RU/RU-MUR/MUR-GP1/",
        "org_unit_code": "MUR-GP1",
        "channel": "kiosk",
        **dict.fromkeys(COUNT_COLUMNS, 0),
        "n": n,
        "promoters": n,
    }


async def _stripe(conn: AsyncConnection) -> int:
    return int(await conn.scalar(text(f"SELECT pg_backend_pid() % {STRIPES}")) or 0)


async def test_two_writers_of_one_key_do_not_queue_and_readers_sum_them(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    engine = app.state.db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("one writer at a time on SQLite: one stripe")
    await create_campaign(client)
    first = await engine.connect()
    others: list[AsyncConnection] = []
    try:
        # Two connections of different stripes (a backend pid is a process id: find a second one whose
        # remainder differs, as most do).
        campaign_id = int(await first.scalar(text("SELECT id FROM campaigns WHERE code = 'mur-2025'")) or 0)
        await first.commit()
        stripe = await _stripe(first)
        second = await engine.connect()
        others.append(second)
        while await _stripe(second) == stripe:
            second = await engine.connect()
            others.append(second)
        await first.execute(add_counts_statement("postgresql"), [_counts(campaign_id, 3)])  # row lock held
        await second.execute(text("SET LOCAL lock_timeout = '3s'"))
        # Without stripes this waits for the first writer's commit and fails on the lock timeout.
        await second.execute(add_counts_statement("postgresql"), [_counts(campaign_id, 4)])
        await second.commit()
        await first.commit()
        stripes = await first.scalar(text("SELECT count(*) FROM response_counts WHERE org_unit_code = 'MUR-GP1'"))
        assert stripes == 2
        aggregate = await client.get(
            "/v1/aggregates",
            params={"campaign": "mur-2025", "org_unit": "MUR-GP1", "period": "2025Q2"},
            headers=FEDERAL,
        )
        assert aggregate.status_code == 200, aggregate.text
        [row] = aggregate.json()["rows"]
        assert (row["n"], row["promoters"]) == (7, 7)
    finally:
        for conn in (first, *others):
            await conn.close()
