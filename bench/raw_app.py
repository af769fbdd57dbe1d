"""The single-response ceiling: a minimal FastAPI endpoint that parses the same body as
``POST /v1/responses`` and inserts the same row into the same ``responses`` table with raw asyncpg
(one prepared INSERT … ON CONFLICT DO NOTHING, a pool, no ORM, no auth, no validation of answers
against the questionnaire). Run by uvicorn in its own process, one worker:

    BENCH_RAW_DSN=postgresql://… BENCH_RAW_CAMPAIGN_ID=1 BENCH_RAW_UNIT_PATH=/RU/…/ \
        uvicorn bench.raw_app:app
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import FastAPI
from pydantic import AwareDatetime, BaseModel

from bench.rows import COLUMNS

ZONE = ZoneInfo(os.environ.get("BENCH_RAW_TIMEZONE", "Europe/Moscow"))
INSERT = (
    f"INSERT INTO responses ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))}) ON CONFLICT (id, quarter) DO NOTHING"
)
"""The ceiling's one statement; ``(id, quarter)`` is the primary key of the quarter-partitioned table (the
service itself claims ids in ``response_ids``, which this ceiling does not)."""


class Body(BaseModel):
    id: UUID
    campaign_code: str
    org_unit_code: str
    channel: str
    submitted_at: AwareDatetime
    answers: dict[str, Any]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_RAW_DSN"], min_size=10, max_size=20)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/readyz")
async def readyz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/v1/responses", status_code=201)
async def submit(body: Body) -> dict[str, Any]:
    now = datetime.now(UTC)
    local = body.submitted_at.astimezone(ZONE)
    answers = body.answers
    sats = [answers.get(c) for c in ("q1_process", "q2_documents", "q3_duration", "q4_simplicity", "q5_support")]
    row = (
        body.id,
        int(os.environ["BENCH_RAW_CAMPAIGN_ID"]),
        body.org_unit_code,
        os.environ["BENCH_RAW_UNIT_PATH"],
        body.channel,
        None,
        body.submitted_at,
        now,
        body.submitted_at,
        "none",
        f"{local.year}-{local.month:02d}",
        f"{local.year}Q{(local.month - 1) // 3 + 1}",
        local.year,
        hashlib.sha256(body.model_dump_json().encode()).hexdigest(),
        json.dumps(answers, ensure_ascii=False),
        False,
        *sats,
        answers.get("nps"),
        "respondent",  # entered_by
        False,  # screened_out: the benchmark's questionnaire has no screening question
    )
    async with app.state.pool.acquire() as conn:
        await conn.execute(INSERT, *row)
    return {"id": str(body.id), "status": "accepted"}
