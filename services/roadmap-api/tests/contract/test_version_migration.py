"""The migration to versions keeps what an old approval froze: a roadmap approved before versions
existed is measured against a version 1 built from its tasks' baseline dates (and back on downgrade)."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from roadmap_api.app import MIGRATIONS_DIR, create_app
from zdrav_shared.migrations import alembic_config, upgrade
from zdrav_shared.testing import _pg_admin, auth, postgres_admin_url
from zdrav_shared.testing import test_backend as backend

from ..conftest import make_settings

FEDERAL = auth(["federal"], ["RU"])
NOW = datetime(2025, 1, 10, tzinfo=UTC)


@pytest.fixture
def url() -> Iterator[str]:
    if backend() == "postgres":
        name = f"zdrav_t_roadmap_mig_{uuid.uuid4().hex[:10]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
        finally:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        with tempfile.TemporaryDirectory(prefix="zdrav-roadmap-mig-") as folder:
            yield f"sqlite+aiosqlite:///{folder}/m.db"


ROADMAP = (
    "INSERT INTO roadmaps (id, region_code, timezone, life_situation, title, status, approved_by, approved_at,"
    " created_by, version, created_at, updated_at) VALUES (:id, 'RU-KYA', 'Asia/Krasnoyarsk', 'ССЗ', :title,"
    " :status, :approved_by, :approved_at, 'admin', 3, :now, :now)"
)
TASK = (
    "INSERT INTO tasks (id, roadmap_id, parent_id, level, title, start_date, due_date, baseline_start_date,"
    " baseline_due_date, responsible, co_assignees, status, completed_on, version, created_at, updated_at)"
    " VALUES (:id, 1, :parent, :level, :title, :start, :due, :b_start, :b_due, 'Минздрав', :co, :status,"
    " :completed, 1, :now, :now)"
)


async def legacy_rows(database_url: str) -> None:
    """Roadmap 1 approved at 20:00 UTC on 31 January 2025 (1 February in Krasnoyarsk): activity 1
    with task 2 (due 03-31, moved to 04-30, done 04-20) and task 3 (due 04-30, cancelled since), and
    task 4 added after approval (no baseline). Roadmap 2 is a draft."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            approved_at = datetime(2025, 1, 31, 20, 0, tzinfo=UTC)
            await conn.execute(
                text(ROADMAP),
                [
                    {
                        "id": 1,
                        "title": "ДК",
                        "status": "in_progress",
                        "approved_by": "a",
                        "approved_at": approved_at,
                        "now": NOW,
                    },
                    {
                        "id": 2,
                        "title": "Черновик",
                        "status": "draft",
                        "approved_by": None,
                        "approved_at": None,
                        "now": NOW,
                    },
                ],
            )
            await conn.execute(
                text(
                    "INSERT INTO roadmap_kpis (id, roadmap_id, indicator_code, baseline, target, target_period)"
                    " VALUES (1, 1, 'SAT_SHARE', 61.5, 75, '2025')"
                )
            )

            def task(
                i: int, parent: int | None, level: int, due: str, b_due: str | None, status: str, done: str | None
            ) -> dict[str, Any]:
                return {
                    "id": i,
                    "parent": parent,
                    "level": level,
                    "title": f"t{i}",
                    "start": date(2025, 1, 10),
                    "due": date.fromisoformat(due),
                    "b_start": date(2025, 1, 10) if b_due else None,
                    "b_due": date.fromisoformat(b_due) if b_due else None,
                    "co": "[]",
                    "status": status,
                    "completed": date.fromisoformat(done) if done else None,
                    "now": NOW,
                }

            for row in (
                task(1, None, 1, "2025-06-30", "2025-06-30", "in_progress", None),
                task(2, 1, 2, "2025-04-30", "2025-03-31", "done", "2025-04-20"),
                task(3, 1, 2, "2025-04-30", "2025-04-30", "cancelled", None),
                task(4, 1, 2, "2025-02-15", None, "done", "2025-02-10"),
            ):
                await conn.execute(text(TASK), row)
    finally:
        await engine.dispose()


async def read_through_the_api(database_url: str) -> None:
    app = create_app(make_settings(database_url))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://roadmap-api.test") as client:
            versions = (await client.get("/v1/roadmaps/1/versions", headers=FEDERAL)).json()
            assert [(v["version"], v["status"], v["effective_from"]) for v in versions] == [
                (1, "approved", "2025-02-01")
            ]
            detail = (await client.get("/v1/roadmaps/1/versions/1", headers=FEDERAL)).json()
            assert detail["kpis"] == [
                {"indicator_code": "SAT_SHARE", "baseline": "61.5", "target": "75", "target_period": "2025"}
            ]
            assert [(t["task_id"], t["due_date"], t["measured"]) for t in detail["tasks"]] == [
                (1, "2025-06-30", False),
                (2, "2025-03-31", True),
                (3, "2025-04-30", True),
            ]
            figure = (await client.get("/v1/roadmaps/1/execution?as_of=2025-05-31", headers=FEDERAL)).json()
            assert (figure["plan_version"], figure["due"], figure["completed_late"], figure["overdue"]) == (1, 2, 1, 1)
            assert (figure["cancelled_after_approval"], figure["execution_pct"]) == (1, 50.0)
            task = (await client.get("/v1/tasks/2", headers=FEDERAL)).json()
            assert (task["baseline_due_date"], task["responsible_bodies"], task["recurrence"]) == (
                "2025-03-31",
                ["Минздрав"],
                "once",
            )
            assert (await client.get("/v1/tasks/4", headers=FEDERAL)).json()["in_approved_plan"] is False
            draft = (await client.get("/v1/roadmaps/2", headers=FEDERAL)).json()
            assert (draft["plan_version"], draft["draft_version"]) == (None, 1)
            region = (await client.get("/v1/regions/RU-KYA/execution?as_of=2025-05-31", headers=FEDERAL)).json()
            assert [r["roadmap_id"] for r in region["roadmaps"]] == [1]


async def baselines(database_url: str) -> dict[int, object]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT id, baseline_due_date FROM tasks ORDER BY id"))).all()
    finally:
        await engine.dispose()
    return {i: (str(d) if d is not None else None) for i, d in rows}


def test_old_approvals_become_version_1_and_back(url: str) -> None:
    from alembic import command

    upgrade(url, MIGRATIONS_DIR, "roadmap0002")
    asyncio.run(legacy_rows(url))
    upgrade(url, MIGRATIONS_DIR)
    asyncio.run(read_through_the_api(url))
    command.downgrade(alembic_config(MIGRATIONS_DIR, url), "roadmap0002")
    assert asyncio.run(baselines(url)) == {1: "2025-06-30", 2: "2025-03-31", 3: "2025-04-30", 4: None}
