"""The delivery worker: fans committed outbox events out to subscriptions and POSTs them, signed.

- **At least once.** A delivery is claimed by moving its ``next_attempt_at`` a lease ahead and
  counting the attempt, in a short transaction; the POST happens outside any transaction; the
  outcome is written afterwards. A worker killed between the POST and the outcome leaves the lease to
  expire, and the delivery is sent again with the same ``X-Zdrav-Delivery`` id (receivers deduplicate
  on it).
- **In order per subject.** Only the oldest undelivered event of a subscription × subject is
  claimable: a later event about the same value, response or task waits until the earlier one was
  delivered or given up.
- **Backoff for 24 hours.** 10 s, 20 s, 40 s … capped at an hour between attempts; a delivery still
  failing ``retry_for_s`` after it was created is marked ``failed`` (a replay sends it again).
- **Several replicas.** On PostgreSQL claims take ``FOR UPDATE SKIP LOCKED``, so two workers never
  claim the same row; SQLite serves one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, exists, false, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.webhooks.tables import WebhookTables
from zdrav_shared.webhooks.targets import TargetRefused, check_target

log = get_logger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
SIGNATURE_HEADER = "X-Zdrav-Signature"


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of the exact body bytes with the subscription's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int, first_s: float = 10.0, cap_s: float = 3600.0) -> timedelta:
    """The pause after the ``attempts``-th failed attempt: doubling from ``first_s``, at most ``cap_s``."""
    return timedelta(seconds=min(cap_s, first_s * 2 ** max(0, attempts - 1)))


def delivery_body(event: str, delivery_id: str, occurred_at: datetime, data: Any) -> bytes:
    """The POSTed document ``{event, delivery_id, occurred_at, data}`` as compact JSON bytes."""
    document = {"event": event, "delivery_id": delivery_id, "occurred_at": occurred_at.isoformat(), "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class WebhookSettings:
    """How the worker behaves; the services fill it from ``ZDRAV_WEBHOOK_*``."""

    allow: frozenset[str] = frozenset()
    poll_s: float = 1.0
    retry_for_s: float = 24 * 3600.0
    timeout_s: float = 10.0
    lease_s: float = 60.0
    batch: int = 100
    """Deliveries claimed per round."""
    fan_out_batch: int = 1000
    """Events fanned out per transaction. Events come at the rate of responses (a detractor is an event),
    ~600 a second into one survey-api worker under `make bench`: in rounds of 100 the fan-out's fixed
    cost per statement was ~3 % of that worker's CPU."""
    concurrency: int = 8
    sweep_s: float = 60.0


@dataclass
class Claimed:
    id: int
    delivery_id: str
    attempts: int
    created_at: datetime
    url: str
    secret: str
    event: str
    subject: str
    occurred_at: datetime
    payload: Any


Sweep = Callable[[AsyncEngine, datetime], Awaitable[int]]
"""A service's search for events that time alone makes true (a task now overdue, a deadline now
missed): it writes them into the outbox in its own transaction, each once, and says how many."""


@dataclass
class DeliveryWorker:
    """Moves one service's outbox. :meth:`run_once` is one round (tests drive it directly)."""

    engine: AsyncEngine
    tables: WebhookTables
    settings: WebhookSettings
    http: httpx.AsyncClient
    clock: Callable[[], datetime] = utcnow
    sweep: Sweep | None = None
    _for_update: dict[str, Any] = field(init=False)
    _swept_at: datetime | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._for_update = {} if self.engine.dialect.name == "sqlite" else {"skip_locked": True}

    async def run_once(self) -> int:
        """Sweep when due, fan out new events, then attempt every due delivery; returns how many were
        attempted."""
        now = self.clock()
        if self.sweep is not None and (
            self._swept_at is None or now - self._swept_at >= timedelta(seconds=self.settings.sweep_s)
        ):
            self._swept_at = now
            await self.sweep(self.engine, now)
        while await self.fan_out():
            pass
        return await self.deliver_due()

    async def fan_out(self) -> int:
        """Create the deliveries of up to ``batch`` new events; returns how many events were read."""
        events, subscriptions = self.tables.events, self.tables.subscriptions
        async with self.engine.begin() as conn:
            # Not the payload: fanning out needs what an event is and whom it concerns, and decoding every
            # payload cost survey-api's worker ~2 % of a kiosk batch's CPU (py-spy, `make bench`).
            query = (
                select(events.c.id, events.c.event, events.c.subject, events.c.scope)
                .where(events.c.fanned_out == false())
                .order_by(events.c.id)
                .limit(self.settings.fan_out_batch)
            )
            if self._for_update:
                query = query.with_for_update(**self._for_update)
            rows = (await conn.execute(query)).all()
            if not rows:
                return 0
            subs = (await conn.execute(select(subscriptions).where(subscriptions.c.active == true()))).all()
            now = self.clock()
            new = [
                {
                    "delivery_id": str(uuid.uuid4()),
                    "subscription_id": sub.id,
                    "event_id": ev.id,
                    "subject": ev.subject,
                    "status": PENDING,
                    "attempts": 0,
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for ev in rows
                for sub in subs
                if ev.event in (sub.events or []) and sub.owner in (ev.scope or [])
            ]
            if new:
                await conn.execute(self.tables.deliveries.insert(), new)
            await conn.execute(update(events).where(events.c.id.in_([ev.id for ev in rows])).values(fanned_out=True))
        return len(rows)

    async def _claim(self, conn: AsyncConnection, now: datetime) -> list[Claimed]:
        d = self.tables.deliveries
        earlier = d.alias("earlier")
        blocked = exists().where(
            and_(
                earlier.c.subscription_id == d.c.subscription_id,
                earlier.c.subject == d.c.subject,
                earlier.c.status == PENDING,
                earlier.c.event_id < d.c.event_id,
            )
        )
        query = (
            select(d.c.id)
            .where(d.c.status == PENDING, d.c.next_attempt_at <= now, ~blocked)
            .order_by(d.c.event_id, d.c.id)
            .limit(self.settings.batch)
        )
        if self._for_update:
            query = query.with_for_update(of=d, **self._for_update)
        ids = list((await conn.execute(query)).scalars())
        if not ids:
            return []
        await conn.execute(
            update(d)
            .where(d.c.id.in_(ids))
            .values(
                attempts=d.c.attempts + 1,
                last_attempt_at=now,
                next_attempt_at=now + timedelta(seconds=self.settings.lease_s),
            )
        )
        s, e = self.tables.subscriptions, self.tables.events
        rows = (
            await conn.execute(
                select(
                    d.c.id,
                    d.c.delivery_id,
                    d.c.attempts,
                    d.c.created_at,
                    s.c.url,
                    s.c.secret,
                    e.c.event,
                    e.c.subject,
                    e.c.occurred_at,
                    e.c.payload,
                )
                .join(s, s.c.id == d.c.subscription_id)
                .join(e, e.c.id == d.c.event_id)
                .where(d.c.id.in_(ids))
                .order_by(d.c.event_id, d.c.id)
            )
        ).all()
        return [Claimed(**row._asdict()) for row in rows]

    async def deliver_due(self) -> int:
        """Claim the due deliveries (at most one per subscription × subject) and send them."""
        now = self.clock()
        async with self.engine.begin() as conn:
            claimed = await self._claim(conn, now)
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def one(item: Claimed) -> None:
            async with gate:
                await self._record(item, await self._send(item))

        await asyncio.gather(*(one(item) for item in claimed))
        return len(claimed)

    async def _send(self, item: Claimed) -> tuple[int | None, str | None]:
        """POST one delivery: ``(status code, error)``."""
        try:
            await check_target(item.url, self.settings.allow)
        except TargetRefused as exc:
            return None, f"refused: {exc}"
        body = delivery_body(item.event, item.delivery_id, item.occurred_at, item.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "zdrav-webhooks/1",
            "X-Zdrav-Event": item.event,
            "X-Zdrav-Delivery": item.delivery_id,
            SIGNATURE_HEADER: signature(item.secret, body),
        }
        try:
            response = await self.http.post(
                item.url, content=body, headers=headers, timeout=self.settings.timeout_s, follow_redirects=False
            )
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"answered {response.status_code}"

    async def _record(self, item: Claimed, outcome: tuple[int | None, str | None]) -> None:
        status_code, error = outcome
        now = self.clock()
        d = self.tables.deliveries
        values: dict[str, Any] = {"last_status_code": status_code, "last_error": error}
        if error is None:
            values.update(status=DELIVERED, delivered_at=now, next_attempt_at=now)
        elif error.startswith("refused:") or now - item.created_at >= timedelta(seconds=self.settings.retry_for_s):
            values.update(status=FAILED, next_attempt_at=now)
        else:
            values.update(next_attempt_at=now + backoff(item.attempts))
        async with self.engine.begin() as conn:
            # Only the claim we hold: a replay or an operator may have moved the row meanwhile.
            await conn.execute(update(d).where(d.c.id == item.id, d.c.status == PENDING).values(**values))
        log.info(
            "webhook_delivered" if error is None else "webhook_delivery_failed",
            delivery_id=item.delivery_id,
            webhook_event=item.event,
            attempts=item.attempts,
            status_code=status_code,
            error=error,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Rounds until ``stop`` is set; a failed round is logged and the next one retries."""
        while not stop.is_set():
            try:
                attempted = await self.run_once()
            except Exception as exc:  # the database may be down for a while: keep going
                log.warning("webhook_round_failed", error=f"{type(exc).__name__}: {exc}"[:300])
                attempted = 0
            if attempted:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.poll_s)


@asynccontextmanager
async def running_worker(
    engine: AsyncEngine, tables: WebhookTables, settings: WebhookSettings, sweep: Sweep | None = None
) -> AsyncIterator[DeliveryWorker]:
    """Run a :class:`DeliveryWorker` in the background for the life of the block (a service's lifespan)."""
    async with httpx.AsyncClient(timeout=settings.timeout_s, follow_redirects=False) as http:
        worker = DeliveryWorker(engine, tables, settings, http, sweep=sweep)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop), name="webhook-delivery")
        try:
            yield worker
        finally:
            stop.set()
            # A POST in flight may finish; past that the task is cancelled (its lease expires and
            # another round or replica sends the delivery again).
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, timeout=settings.timeout_s + 5)


def parse_allow(text: str | Sequence[str] | Collection[str] | None) -> frozenset[str]:
    """``ZDRAV_WEBHOOK_ALLOW`` as a set of lower-case hosts (comma-separated text or a list)."""
    if text is None:
        return frozenset()
    items = text.split(",") if isinstance(text, str) else list(text)
    return frozenset(i.strip().lower() for i in items if i.strip())
