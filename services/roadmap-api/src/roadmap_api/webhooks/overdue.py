"""``task.overdue``: the sweep that finds tasks whose due date has passed (in the roadmap's time zone)
while they are neither done nor cancelled, and writes one event per task and due date."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from roadmap_api.models import WEBHOOKS, Roadmap, Task
from roadmap_api.tasks.rules import TaskStatus
from roadmap_api.webhooks.events import FEDERATION, TASK_OVERDUE
from zdrav_shared.logging import get_logger
from zdrav_shared.webhooks.outbox import emit

log = get_logger(__name__)

OPEN = (TaskStatus.PLANNED.value, TaskStatus.IN_PROGRESS.value)
BATCH = 500
MOSCOW = ZoneInfo("Europe/Moscow")


def _scope(region_code: str, org_unit_path: str | None) -> list[str]:
    below = [c for c in (org_unit_path or "").split("/") if c]
    return below if below[:2] == [FEDERATION, region_code] else [FEDERATION, region_code]


async def sweep_overdue(engine: AsyncEngine, now: datetime) -> int:
    """Write ``task.overdue`` for every open task of an approved roadmap past its due date that has not
    been announced for that due date; returns how many were written."""
    # The earliest "today" anywhere in Russia is UTC−0 … +12: fetch what is late by UTC+14 and judge
    # each task by its roadmap's own zone.
    horizon = (now + timedelta(hours=14)).date()
    query = (
        select(Task, Roadmap.region_code, Roadmap.timezone)
        .join(Roadmap, Roadmap.id == Task.roadmap_id)
        .where(
            Task.status.in_(OPEN),
            Task.due_date < horizon,
            Roadmap.plan_version.is_not(None),
            (Task.overdue_notified_for.is_(None)) | (Task.overdue_notified_for != Task.due_date),
        )
        .order_by(Task.id)
        .limit(BATCH)
    )
    if engine.dialect.name != "sqlite":
        query = query.with_for_update(of=Task.__table__, skip_locked=True)
    written = 0
    async with engine.begin() as conn:
        for row in (await conn.execute(query)).all():
            zone = ZoneInfo(row.timezone) if row.timezone else MOSCOW
            if row.due_date >= now.astimezone(zone).date():
                continue
            data = {
                "task_id": row.id,
                "roadmap_id": row.roadmap_id,
                "region_code": row.region_code,
                "org_unit_code": row.org_unit_code,
                "title": row.title,
                "due_date": row.due_date.isoformat(),
                "status": row.status,
                "responsible": row.responsible,
            }
            scope = _scope(row.region_code, row.org_unit_path)
            await emit(conn, WEBHOOKS, event=TASK_OVERDUE, subject=f"task:{row.id}", scope=scope, data=data,
                       occurred_at=now)  # fmt: skip
            await conn.execute(update(Task).where(Task.id == row.id).values(overdue_notified_for=row.due_date))
            written += 1
    if written:
        log.info("tasks_overdue_announced", count=written)
    return written
