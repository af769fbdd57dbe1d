"""survey0006 and survey0007 on a database with responses from before them: the ids and the counts of
aggregates are filled from the stored rows (equal to counting them), and on PostgreSQL the rows move
into quarter partitions; then the revisions go down and up again."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from sqlalchemy import DateTime, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import create_async_engine

from survey_api.app import MIGRATIONS_DIR
from survey_api.models import Base
from zdrav_shared.migrations import alembic_config, upgrade
from zdrav_shared.testing import ThrowawayDatabase, schema_drift

NOW = datetime(2025, 5, 10, 9, tzinfo=UTC)
SATISFACTION = ("yes", "rather_yes", "rather_no", "no", "dont_know", None)
UNITS = [("MUR-GP1", "/RU/RU-MUR/MUR-GP1/"), ("MUR-DGP1", "/RU/RU-MUR/MUR-DGP1/"), ("KYA-GP4", "/RU/RU-KYA/KYA-GP4/")]
KEYS = "campaign_id, quarter, month, org_unit_path, org_unit_code, channel"
COUNTS = ", ".join(
    [
        "n",
        "screened_out",
        *(f"{m}{i}" for i in range(1, 6) for m in ("positive", "answered", "dont_know")),
        "promoters",
        "passives",
        "detractors",
    ]
)
RAW = ", ".join(
    [
        "sum(CASE WHEN screened_out THEN 0 ELSE 1 END)",
        "sum(CASE WHEN screened_out THEN 1 ELSE 0 END)",
        *(
            f"sum(CASE WHEN sat{i} IN ({values}) THEN 1 ELSE 0 END)"
            for i in range(1, 6)
            for values in ("'yes', 'rather_yes'", "'yes', 'rather_yes', 'rather_no', 'no'", "'dont_know'")
        ),
        "sum(CASE WHEN NOT screened_out AND nps >= 9 THEN 1 ELSE 0 END)",
        "sum(CASE WHEN NOT screened_out AND nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END)",
        "sum(CASE WHEN NOT screened_out AND nps <= 6 THEN 1 ELSE 0 END)",
    ]
)


async def _legacy_rows(url: str, count: int) -> None:
    rng = random.Random(6)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO questionnaires (id, code, version, status, title_ru, questions, revision,"
                    " published_at, created_at, updated_at, owner) VALUES (1, 'legacy', 1, 'published', 'Старая',"
                    " '[]', 1, :now, :now, :now, 'RU')"
                ),
                {"now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO campaigns (id, code, questionnaire_id, questionnaire_code, questionnaire_version,"
                    " starts_on, ends_on, channels, minimum_sample, status, created_by, version, created_at,"
                    " updated_at, purpose) SELECT 7, 'old', id, code, version, :starts, :ends, :channels, 30,"
                    " 'active', 'x', 1, :now, :now, 'monitoring' FROM questionnaires LIMIT 1"
                ),
                {
                    "channels": json.dumps(["kiosk", "phone"]),
                    "now": NOW,
                    "starts": date(2025, 1, 1),
                    "ends": date(2025, 12, 31),
                },
            )
            statement = text(
                "INSERT INTO responses (id, campaign_id, org_unit_code, org_unit_path, channel, submitted_at,"
                " received_at, effective_at, clock_skew, month, quarter, year, body_hash, answers, has_text,"
                " sat1, sat2, sat3, sat4, sat5, nps, entered_by, screened_out) VALUES (:id, 7, :code, :path,"
                " :channel, :now, :now, :now, 'none', :month, :quarter, 2025, :hash, '{}', false,"
                " :sat1, :sat2, :sat3, :sat4, :sat5, :nps, 'respondent', :screened)"
            ).bindparams(bindparam("id", type_=Uuid()), bindparam("now", type_=DateTime(timezone=True)))
            for _ in range(count):
                month = rng.randint(1, 12)
                code, path = rng.choice(UNITS)
                screened = rng.random() < 0.15
                row: dict[str, Any] = {
                    "id": uuid.uuid4(),
                    "code": code,
                    "path": path,
                    "channel": rng.choice(["kiosk", "phone"]),
                    "now": NOW,
                    "month": f"2025-{month:02d}",
                    "quarter": f"2025Q{(month - 1) // 3 + 1}",
                    "hash": f"{rng.getrandbits(64):016x}",
                    "screened": screened,
                    "nps": None if screened or rng.random() < 0.1 else rng.randint(0, 10),
                }
                row.update({f"sat{i}": None if screened else rng.choice(SATISFACTION) for i in range(1, 6)})
                await conn.execute(statement, row)
    finally:
        await engine.dispose()


async def _read(url: str) -> dict[str, Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            async def rows(sql: str) -> list[tuple[Any, ...]]:
                return [tuple(row) for row in (await conn.execute(text(sql))).all()]

            found = {
                "counts": await rows(f"SELECT {KEYS}, {COUNTS} FROM response_counts ORDER BY {KEYS}"),
                "raw": await rows(f"SELECT {KEYS}, {RAW} FROM responses GROUP BY {KEYS} ORDER BY {KEYS}"),
                "ids": await rows("SELECT id, body_hash, quarter FROM response_ids ORDER BY id"),
                "rows": await rows("SELECT id, body_hash, quarter FROM responses ORDER BY id"),
            }
            if conn.dialect.name == "postgresql":
                found["placed"] = await rows("SELECT DISTINCT tableoid::regclass::text, quarter FROM responses")
            return found
    finally:
        await engine.dispose()


def test_ids_and_counts_are_filled_from_stored_rows_and_the_revisions_go_both_ways() -> None:
    database = ThrowawayDatabase("survey-api-migration", MIGRATIONS_DIR)
    url = database.create()
    try:
        config = alembic_config(MIGRATIONS_DIR, url)
        command.downgrade(config, "survey0005")
        asyncio.run(_legacy_rows(url, 400))
        upgrade(url, MIGRATIONS_DIR)
        found = asyncio.run(_read(url))
        assert len(found["rows"]) == 400
        assert found["ids"] == found["rows"]
        assert found["counts"] == found["raw"]
        assert sum(row[6] + row[7] for row in found["counts"]) == 400
        if "placed" in found:  # PostgreSQL: each quarter in its own partition
            assert all(table == f"responses_{quarter.lower()}" for table, quarter in found["placed"])
            assert len(found["placed"]) == 4
        assert asyncio.run(schema_drift(url, Base.metadata)) == []
        command.downgrade(config, "survey0005")
        after_down = asyncio.run(_read_rows(url))
        assert after_down == found["rows"]
        upgrade(url, MIGRATIONS_DIR)
        again = asyncio.run(_read(url))
        assert again["counts"] == found["counts"] and again["ids"] == found["ids"]
        assert asyncio.run(schema_drift(url, Base.metadata)) == []
    finally:
        database.drop()


async def _read_rows(url: str) -> list[tuple[Any, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text("SELECT id, body_hash, quarter FROM responses ORDER BY id"))
            return [tuple(row) for row in result.all()]
    finally:
        await engine.dispose()
