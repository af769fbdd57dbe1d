"""The 3-working-day notice a change of a regional centre's composition owes (a transactional
outbox).

A change of composition — a member added or removed, or the head changed — writes a notice row in
the same transaction as the change itself, so the notice exists exactly when the change does. One
notice per centre and date of change: later changes of that day join it (kpi-api's obligation is
per event date). After the commit the notice is sent to kpi-api (``POST /v1/report-submissions``,
``report_type: regional_centre_change``, ``org_unit_code`` the region, ``event_date`` the date of
the change); when kpi-api does not answer or refuses, the notice stays ``pending`` with the error
and is retried with backoff — after each request that touches the centre, by the service's
background loop (``ROADMAP_NOTICE_RETRY_INTERVAL_S``), or on demand (``POST
…/notices/deliver``). It is never dropped, and the member write never fails because of it.

Each attempt is claimed with a compare-and-set on ``attempts`` (one replica sends it), and carries
the notice's ``Idempotency-Key``, so a retry after a lost answer can be recognised by kpi-api.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker

from roadmap_api.models import CentreNotice, RegionalCentre
from roadmap_api.regional_centres.repository import CentreRepository
from zdrav_shared.clients.kpi import KpiClient
from zdrav_shared.http_client import PeerError, PeerUnavailable
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow

log = get_logger(__name__)

REPORT_TYPE = "regional_centre_change"
LEASE = timedelta(seconds=60)
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
BATCH = 50


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … at most an hour."""
    doublings = min(max(0, attempts - 1), 12)  # bounded: a timedelta overflows long before 2**attempts
    return min(BACKOFF_FIRST * (1 << doublings), BACKOFF_MAX)


async def enqueue(repo: CentreRepository, centre: RegionalCentre, event_date: date, change: str) -> CentreNotice:
    """The notice of ``event_date`` with ``change`` added (created if it is the first of that day)."""
    notice = await repo.notice(centre.id, event_date)
    if notice is None:
        notice = CentreNotice(
            centre_id=centre.id,
            region_code=centre.region_code,
            event_date=event_date,
            changes=[change],
            idempotency_key=f"roadmap-api:rc-notice:{uuid.uuid4()}",
            status="pending",
            attempts=0,
            next_attempt_at=utcnow(),
            created_at=utcnow(),
        )
        repo.add(notice)
    else:
        # A new list, so that the JSON column is seen as changed.
        notice.changes = [*notice.changes, change]
    await repo.flush()
    return notice


@dataclass(frozen=True, slots=True)
class Delivery:
    notice_id: int
    status: str
    error: str | None = None


async def deliver_pending(
    sessionmaker: async_sessionmaker,  # type: ignore[type-arg]
    kpi: KpiClient,
    *,
    centre_id: int | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> list[Delivery]:
    """Send the notices that are due (all pending ones with ``force``); each in its own
    transactions, so one failure never undoes another's success."""
    moment = now or utcnow()
    async with sessionmaker() as db:
        due = [(n.id, n.attempts) for n in await CentreRepository(db).due_notices(moment, centre_id, force, BATCH)]
    results = []
    for notice_id, attempts in due:
        results.append(await _deliver_one(sessionmaker, kpi, notice_id, attempts, moment))
    return results


async def _deliver_one(
    sessionmaker: async_sessionmaker,  # type: ignore[type-arg]
    kpi: KpiClient,
    notice_id: int,
    attempts: int,
    moment: datetime,
) -> Delivery:
    async with sessionmaker() as db:
        repo = CentreRepository(db)
        if not await repo.claim(notice_id, attempts, moment + LEASE):
            await db.rollback()
            return Delivery(notice_id, "skipped", "another worker holds it")
        await db.commit()
        notice = await db.get(CentreNotice, notice_id)
        assert notice is not None
        region, event_date, key = notice.region_code, notice.event_date, notice.idempotency_key
    error: str | None = None
    ack = None
    try:
        ack = await kpi.submit_report_event(REPORT_TYPE, region, event_date, idempotency_key=key)
    except PeerUnavailable as exc:
        error = f"kpi-api unavailable: {exc.detail or exc}"
    except PeerError as exc:
        error = str(exc)
    except Exception as exc:  # any other failure keeps the notice for the next attempt
        log.exception("centre_notice_delivery_failed", notice_id=notice_id)
        error = f"delivery failed: {type(exc).__name__}"
    async with sessionmaker() as db:
        notice = await db.get(CentreNotice, notice_id)
        assert notice is not None
        if ack is not None:
            notice.status = "sent"
            notice.sent_at = utcnow()
            # The peer's strings are cut to their columns: a longer one must not lose the acknowledgement.
            notice.due_at = ack.due_at[:40] if ack.due_at else None
            notice.submission_id = str(ack.id)[:64] if ack.id is not None else None
            notice.last_error = None
        else:
            notice.last_error = error
            notice.next_attempt_at = utcnow() + backoff(notice.attempts)
        await db.commit()
    if ack is not None:
        log.info("centre_notice_sent", notice_id=notice_id, region=region, event_date=event_date.isoformat())
        return Delivery(notice_id, "sent")
    log.warning("centre_notice_pending", notice_id=notice_id, region=region, error=error)
    return Delivery(notice_id, "pending", error)
