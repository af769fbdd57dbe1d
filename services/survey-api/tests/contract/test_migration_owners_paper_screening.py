"""survey0004 on a database with data from before it: what the backfills make of existing rows, and
that it goes down and up again."""

from __future__ import annotations

import asyncio
import json
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

QUESTIONS = [{"code": "q1_process", "type": "satisfaction5", "text_ru": "Довольны?", "required": True}]
NOW = datetime(2025, 5, 10, 9, tzinfo=UTC)


async def _legacy_rows(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO questionnaires (id, code, version, status, title_ru, questions, revision,"
                    " published_at, created_at, updated_at) VALUES (1, 'legacy', 1, 'published', 'Старая',"
                    " :questions, 3, :now, :now, :now)"
                ),
                {"questions": json.dumps(QUESTIONS), "now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO campaigns (id, code, questionnaire_id, questionnaire_code, questionnaire_version,"
                    " starts_on, ends_on, channels, minimum_sample, status, created_by, version, created_at,"
                    " updated_at) VALUES (1, 'old', 1, 'legacy', 1, :starts, :ends, :channels, 30,"
                    " 'active', 'x', 1, :now, :now)"
                ),
                {
                    "channels": json.dumps(["kiosk", "phone"]),
                    "now": NOW,
                    "starts": date(2025, 1, 1),
                    "ends": date(2025, 12, 31),
                },
            )
            for number, channel in enumerate(("kiosk", "phone", "online")):
                await conn.execute(
                    text(
                        "INSERT INTO responses (id, campaign_id, org_unit_code, org_unit_path, channel,"
                        " submitted_at, received_at, effective_at, clock_skew, month, quarter, year, body_hash,"
                        " answers, has_text, sat1, nps) VALUES (:id, 1, 'MUR-GP1', '/RU/RU-MUR/MUR-GP1/', :channel,"
                        " :now, :now, :now, 'none', '2025-05', '2025Q2', 2025, 'h', :answers, false, 'yes', 9)"
                    ).bindparams(bindparam("id", type_=Uuid()), bindparam("now", type_=DateTime(timezone=True))),
                    {
                        "id": uuid.UUID(f"00000000-0000-4000-8000-00000000000{number}"),
                        "channel": channel,
                        "now": NOW,
                        "answers": json.dumps({"q1_process": "yes"}),
                    },
                )
    finally:
        await engine.dispose()


async def _read(url: str) -> dict[str, Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            owner = (await conn.execute(text("SELECT owner FROM questionnaires"))).scalar_one()
            changes = (
                await conn.execute(
                    text("SELECT questionnaire_code, version, action, actor, after FROM questionnaire_changes")
                )
            ).all()
            purpose = (await conn.execute(text("SELECT purpose FROM campaigns"))).scalar_one()
            responses = (
                await conn.execute(text("SELECT channel, entered_by, screened_out FROM responses ORDER BY channel"))
            ).all()
    finally:
        await engine.dispose()
    return {"owner": owner, "changes": changes, "purpose": purpose, "responses": responses}


def test_existing_rows_are_backfilled_and_the_migration_goes_both_ways() -> None:
    database = ThrowawayDatabase("survey-api-migration", MIGRATIONS_DIR)
    url = database.create()
    try:
        command.downgrade(alembic_config(MIGRATIONS_DIR, url), "survey0003")
        asyncio.run(_legacy_rows(url))
        upgrade(url, MIGRATIONS_DIR)
        found = asyncio.run(_read(url))
        # Nobody recorded who made the old questionnaire: it becomes the federation's, and its history
        # starts with one row recorded by the migration.
        assert found["owner"] == "RU"
        [(code, version, action, actor, after)] = found["changes"]
        after = json.loads(after) if isinstance(after, str) else after
        assert (code, version, action, actor) == ("legacy", 1, "recorded", "migration")
        assert (after["owner"], after["status"], after["revision"], after["questions"]) == (
            "RU",
            "published",
            3,
            QUESTIONS,
        )
        assert found["purpose"] == "monitoring"
        assert [(c, e, bool(s)) for c, e, s in found["responses"]] == [
            ("kiosk", "respondent", False),
            ("online", "respondent", False),
            ("phone", "operator", False),
        ]
        assert asyncio.run(schema_drift(url, Base.metadata)) == []
    finally:
        database.drop()
