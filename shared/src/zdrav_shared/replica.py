"""Reads from a streaming replica, for the read-heavy calls: analytics, the federal report, survey
aggregates and exports (``<P>_READ_DATABASE_URL``). Everything else — writes, and the reads that must
see a caller's own writes at once (an operator's values, a just-created campaign) — stays on the
primary through :func:`zdrav_shared.db.db_session`.

A route opts in with one line: its session parameter becomes :data:`ReadSession`. Where the read goes:

1. the replica, when it answers and is no more than ``<P>_READ_DATABASE_MAX_LAG_S`` behind;
2. otherwise the primary — after a replica that failed to connect, for ``<P>_READ_DATABASE_RETRY_S``
   without trying it again (a dead replica costs the first request one refused connection, not every
   request a connect timeout);
3. a replica further behind than the limit still answers when the primary does not: reads go on
   through a primary outage, with the age of their data shown.

Every answer says how current its data is: the ``X-Data-As-Of`` response header (RFC 3339, UTC), and
the ``data_as_of`` field of answers that have one (:func:`data_as_of`). On a replica that is the
moment up to which it has replayed the primary's commits; on the primary, the moment the read began.
Without a replica URL a ReadSession is an ordinary session on the primary, with no extra round trip.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, overload

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from zdrav_shared.db import Database
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import ServiceUnavailable, is_unavailable_error

log = get_logger(__name__)

AS_OF_KEY = "zdrav.data_as_of"
SOURCE_KEY = "zdrav.read_source"
WRITER_KEY = "zdrav.primary_sessionmaker"
"""``session.info`` key: the primary's sessionmaker, for a read that keeps something of what it read
(kpi-api's aggregate cache) — a replica's session cannot write."""

# How current a PostgreSQL server's data is, by its own clock, with the lag in seconds.
# - a primary (not in recovery): now;
# - a standby that has replayed everything it received and is streaming from its primary: now
#   (it has what the primary sent; what is in flight is a network round trip). Without the
#   pg_read_all_stats role (pg_monitor) the receiver's status reads as NULL: its presence is taken
#   for streaming then — grant the role to the reading user for the exact rule;
# - otherwise (replay behind what was received, replay paused with WAL waiting, the primary gone):
#   the commit time of the last transaction replayed. NULL when none has been replayed since the
#   standby started and it is not streaming: unknown, treated as too old.
_AS_OF_SQL = text(
    """
    SELECT as_of, extract(epoch FROM now() - as_of)::float8 FROM (SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN now()
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
             AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE coalesce(status, 'streaming') = 'streaming')
            THEN now()
        ELSE pg_last_xact_replay_timestamp()
    END AS as_of) AS found
    """
)
_PING_SQL = text("SELECT 1")


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class ReadMetrics:
    """Where reads went, and the replica's lag at its last read."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.reads = Counter(
            "zdrav_db_reads_total",
            "Read-heavy requests by the database that served them",
            ["source"],
            registry=registry,
        )
        self.lag = Gauge(
            "zdrav_db_replica_lag_seconds",
            "How far behind the primary the read replica was at its last read",
            registry=registry,
        )


@dataclass
class _Opened:
    session: AsyncSession
    as_of: datetime | None
    lag_s: float | None


class Reads:
    """Chooses the database of each read-heavy request (see the module docstring)."""

    def __init__(
        self,
        primary: Database,
        replica: Database | None = None,
        *,
        retry_s: float = 5.0,
        max_lag_s: float = 30.0,
        metrics: ReadMetrics | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.retry_s = retry_s
        self.max_lag_s = max_lag_s
        self.metrics = metrics
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._replica_retry_at = 0.0
        self._primary_retry_at = 0.0

    async def open(self) -> AsyncSession:
        """A session for one read-heavy request, tagged with its source and ``data_as_of``."""
        if self.replica is None:
            return self._tag(self.primary.sessionmaker(), self._wall_clock(), "primary")
        behind: _Opened | None = None
        if self._monotonic() >= self._replica_retry_at:
            opened = await self._open(self.replica, "replica")
            if opened is not None:
                if self._fresh(opened):
                    return self._tag(opened.session, opened.as_of, "replica", opened.lag_s)
                behind = opened
                log.warning("read_replica_behind", lag_s=opened.lag_s, max_lag_s=self.max_lag_s)
            else:
                self._replica_retry_at = self._monotonic() + self.retry_s
        if behind is None or self._monotonic() >= self._primary_retry_at:
            opened = await self._open(self.primary, "primary")
            if opened is not None:
                if behind is not None:
                    await behind.session.close()
                return self._tag(opened.session, opened.as_of, "primary")
            self._primary_retry_at = self._monotonic() + self.retry_s
        if behind is not None:
            return self._tag(behind.session, behind.as_of, "replica_behind", behind.lag_s)
        raise ServiceUnavailable("neither the database nor its read replica is reachable; retry later")

    def failed(self, session: AsyncSession, error: BaseException) -> None:
        """A request on ``session`` ended in ``error``: a replica that went away is skipped for a while."""
        if session.info.get(SOURCE_KEY, "").startswith("replica") and _is_unavailable(error):
            self._replica_retry_at = self._monotonic() + self.retry_s
            log.warning("read_replica_unavailable", error=type(error).__name__, during="request")

    def _fresh(self, opened: _Opened) -> bool:
        if opened.as_of is None or opened.lag_s is None:
            return False
        return self.max_lag_s == 0 or opened.lag_s <= self.max_lag_s

    async def _open(self, database: Database, role: str) -> _Opened | None:
        """A session whose first statement found how current the database is; None when it did not answer."""
        session = database.sessionmaker()
        try:
            if database.is_sqlite:  # tests and the embedded default: no replication to ask about
                await session.execute(_PING_SQL)
                return _Opened(session, self._wall_clock(), 0.0)
            as_of, lag_s = (await session.execute(_AS_OF_SQL)).one()
            return _Opened(session, as_of, lag_s)
        except Exception as exc:  # whatever it is, that database cannot serve this read now
            await _close_quietly(session)
            log.warning(f"read_{role}_unavailable", error=type(exc).__name__)
            return None

    def _tag(
        self, session: AsyncSession, as_of: datetime | None, source: str, lag_s: float | None = None
    ) -> AsyncSession:
        session.info[AS_OF_KEY] = as_of
        session.info[SOURCE_KEY] = source
        session.info[WRITER_KEY] = self.primary.sessionmaker
        if self.metrics is not None:
            self.metrics.reads.labels(source).inc()
            if lag_s is not None:
                self.metrics.lag.set(lag_s)
        return session


def _is_unavailable(error: BaseException) -> bool:
    """A lost or refused connection — not a problem of the request's own making (a 404 says
    nothing about the replica)."""
    if isinstance(error, OSError | TimeoutError):
        return True
    if isinstance(error, DBAPIError):
        return bool(error.connection_invalidated) or is_unavailable_error(error.orig)
    return False


async def _close_quietly(session: AsyncSession) -> None:
    try:
        await session.close()
    except Exception as exc:  # the connection is gone already; the pool has dropped it
        log.debug("read_session_close_failed", error=type(exc).__name__)


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: a session for a read-heavy request, on the replica when it can serve it.

    Nothing is committed (the request reads only); the chosen database's ``data_as_of`` goes to the
    ``X-Data-As-Of`` header (:class:`zdrav_shared.middleware.RequestIdMiddleware` writes it)."""
    reads: Reads = request.app.state.reads
    session = await reads.open()
    request.state.data_as_of = session.info.get(AS_OF_KEY)
    try:
        yield session
    except Exception as exc:
        reads.failed(session, exc)
        raise
    finally:
        await _close_quietly(session)


ReadSession = Annotated[AsyncSession, Depends(read_session)]


@overload
def data_as_of(session: AsyncSession) -> datetime | None: ...
@overload
def data_as_of(session: AsyncSession, computed_at: datetime) -> datetime: ...
def data_as_of(session: AsyncSession, computed_at: datetime | None = None) -> datetime | None:
    """How current the data read through ``session`` is: on a replica, the moment up to which it has
    replayed the primary's commits; on the primary ``computed_at`` when given (the answer's own
    clock), else the moment the read began. None for a session that is not a :data:`ReadSession`
    (or a replica that cannot tell)."""
    source = session.info.get(SOURCE_KEY)
    if source == "primary" and computed_at is not None:
        return computed_at
    found: Any = session.info.get(AS_OF_KEY)
    return found if isinstance(found, datetime) else computed_at


def read_engine(session: AsyncSession) -> AsyncEngine:
    """The engine behind a :data:`ReadSession`, for a read that opens connections of its own (a
    streamed export): the same database the session chose."""
    bind = session.bind
    assert isinstance(bind, AsyncEngine), "a ReadSession is bound to an engine"
    return bind
