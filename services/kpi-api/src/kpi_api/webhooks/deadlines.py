"""``report.deadline_missed``: the sweep that finds reporting obligations still open past their due
instant (fixed in the org unit's time zone when the obligation was recorded) and writes one event per
obligation. Obligations are rows of ``report_submissions``: a period report nobody has opened or
submitted yet has no row, and is reported as ``missing`` by ``GET /v1/report-submissions`` instead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from kpi_api.models import OrgUnit, ReportSubmission, ReportType
from kpi_api.models.webhooks import WEBHOOKS
from kpi_api.org_units.rules import path_codes
from kpi_api.webhooks.events import DEADLINE_MISSED
from zdrav_shared.logging import get_logger
from zdrav_shared.webhooks.outbox import emit

log = get_logger(__name__)

BATCH = 500


async def sweep_missed_deadlines(engine: AsyncEngine, now: datetime) -> int:
    """Write ``report.deadline_missed`` for every open obligation past ``due_at`` not yet announced."""
    s = ReportSubmission
    query = (
        select(s.id, s.obligation, s.period, s.event_date, s.due_date, s.due_at, ReportType.code, OrgUnit.path)
        .join(ReportType, ReportType.id == s.report_type_id)
        .join(OrgUnit, OrgUnit.id == s.org_unit_id)
        .where(s.submitted_at.is_(None), s.due_at <= now, s.missed_notified_at.is_(None))
        .order_by(s.id)
        .limit(BATCH)
    )
    if engine.dialect.name != "sqlite":
        query = query.with_for_update(of=s.__table__, skip_locked=True)
    written = 0
    async with engine.begin() as conn:
        for row in (await conn.execute(query)).all():
            codes = path_codes(row.path)
            data = {
                "submission_id": row.id,
                "report_type": row.code,
                "org_unit_code": codes[-1],
                "obligation": row.obligation,
                "period": row.period,
                "event_date": row.event_date.isoformat() if row.event_date else None,
                "due_date": row.due_date.isoformat(),
                "due_at": row.due_at.isoformat(),
            }
            await emit(conn, WEBHOOKS, event=DEADLINE_MISSED, subject=f"report:{row.id}", scope=codes, data=data,
                       occurred_at=now)  # fmt: skip
            await conn.execute(update(s).where(s.id == row.id).values(missed_notified_at=now))
            written += 1
    if written:
        log.info("report_deadlines_missed_announced", count=written)
    return written
