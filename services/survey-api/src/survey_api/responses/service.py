"""Response ingestion: validate in Python, store a request's rows with one multi-row insert, and tell
duplicates (same id, same canonical body) from conflicting resends (same id, other body).

Race-free by construction: rows that meet a stored id are inserted ``ON CONFLICT (id) DO NOTHING``,
so when the same batch is posted twice at once, the database stores each id once and the loser of
each race reads the winner's row (and its body hash) after the conflict. Where and in how many
statements the writes go is the business of :mod:`survey_api.responses.writers`.

A resend of a stored id is a ``duplicate`` whatever happened since it was stored (CONTRACT.md, survey
Additions): the campaign closed, the answer now falls outside the campaign's dates (an end date moved
earlier, a device clock that is now too old to trust), even a rule of validation that changed. Only new
ids meet the campaign's status and window. So an item refused before the insert is looked up by id
first (one query for all of them, and only when there are any): stored with the same body, it is a
duplicate; stored with another body, an id conflict; not stored, refused as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from prometheus_client import Counter

from survey_api.campaigns.context import SATISFACTION_SLOTS, CampaignContext, DeployedUnit
from survey_api.models import utcnow
from survey_api.questionnaires.rules import validate_answers
from survey_api.responses.answers import stored_answers
from survey_api.responses.errors import AnswersInvalid, OutsideCampaign, ResponseIdConflict
from survey_api.responses.rows import KioskVisit
from survey_api.responses.rules import ClockSkew, ClockWindow, check_clock
from survey_api.responses.schemas import ResponseStatus
from survey_api.responses.writers import IngestionWriter, Writers
from survey_api.webhooks.events import detractor_events
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.problems import FieldError, ProblemError

log = get_logger(__name__)


@dataclass(slots=True)  # not frozen: made for every item of every batch, and a frozen init is slower
class Candidate:
    """One response to store: parsed, with its canonical body hash and where it sits in the request.

    Build it with :meth:`of`; the kiosk-batch parser fills the fields itself."""

    index: int
    key: str
    """The id as lower-case text: how it is stored, answered and compared within the request."""
    submitted_at: datetime
    """In UTC."""
    answers: Mapping[str, Any]
    body_hash: str
    pointer: str = ""

    @classmethod
    def of(
        cls,
        index: int,
        response_id: UUID,
        submitted_at: datetime,
        answers: Mapping[str, Any],
        body_hash: str,
        pointer: str = "",
    ) -> Candidate:
        if submitted_at.utcoffset() is None:
            raise ValueError("submitted_at must be timezone-aware")
        return cls(index, str(response_id), submitted_at.astimezone(UTC), answers, body_hash, pointer)


@dataclass(slots=True)
class Outcome:
    id: str | None
    status: ResponseStatus
    error: ProblemError | None = None
    received_at: datetime | None = None
    clock_skew: str | None = None
    period: str | None = None
    screened_out: bool | None = None

    @property
    def problem(self) -> dict[str, Any] | None:
        return self.error.to_problem() if self.error is not None else None


@dataclass(frozen=True, slots=True)
class ClockPolicy:
    future_tolerance: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(days=30)


@dataclass(slots=True)
class _Prepared:
    candidate: Candidate
    row: dict[str, Any]


class ResponseIngestion:
    def __init__(self, writers: Writers, clock: ClockPolicy | None = None, counter: Counter | None = None) -> None:
        self.writers = writers
        self.clock = clock or ClockPolicy()
        self.counter = counter

    async def ingest(
        self,
        context: CampaignContext,
        unit: DeployedUnit,
        channel: str,
        candidates: Sequence[Candidate],
        *,
        entered_by: str,
        kiosk_id: str | None = None,
        extra_rejects: Sequence[tuple[int, Outcome]] = (),
        refusal: ProblemError | None = None,
    ) -> list[Outcome]:
        """Store the valid candidates once each; outcomes come back in request order (by ``index``).

        ``refusal``: why the campaign takes no new responses now (closed, not yet active). Nothing is
        stored then; each candidate is a duplicate or an id conflict if its id is stored, else rejected
        with ``refusal``. For a kiosk, its counters change only when some id was found stored (so a
        request refused as a whole leaves no trace)."""
        received_at = utcnow()
        window = ClockWindow.around(
            received_at, future_tolerance=self.clock.future_tolerance, max_age=self.clock.max_age
        )
        outcomes: dict[int, Outcome] = dict(extra_rejects)
        first_by_id: dict[str, Candidate] = {}
        prepared_rows: list[_Prepared] = []
        refused: list[Candidate] = []
        repeats: list[tuple[Candidate, Candidate]] = []
        for candidate in candidates:
            first = first_by_id.get(candidate.key)
            if first is not None:
                repeats.append((candidate, first))
                continue
            first_by_id[candidate.key] = candidate
            if refusal is not None:
                outcomes[candidate.index] = Outcome(candidate.key, ResponseStatus.REJECTED, refusal)
                refused.append(candidate)
                continue
            prepared = self._prepare(context, unit, candidate, received_at, window)
            if isinstance(prepared, Outcome):
                outcomes[candidate.index] = prepared
                refused.append(candidate)
            else:
                prepared_rows.append(prepared)
        # The text order of lower-case UUIDs is their order as UUIDs (and PostgreSQL's).
        ordered = sorted(prepared_rows, key=lambda p: p.candidate.key)
        shared = {
            "campaign_id": context.id,
            "org_unit_code": unit.code,
            "org_unit_path": unit.path,
            "channel": channel,
            "entered_by": entered_by,
            "kiosk_id": kiosk_id,
            "received_at": received_at,
        }
        async with self.writers() as writer:
            found_before = await self._stored_refusals(writer, refused, outcomes) if refused else 0
            rejected_before = sum(1 for o in outcomes.values() if o.status == ResponseStatus.REJECTED)
            visiting = kiosk_id is not None and (refusal is None or found_before > 0)
            visit = KioskVisit(kiosk_id, received_at, rejected_before) if visiting and kiosk_id is not None else None
            stored: set[str] = set()
            if refusal is None:
                rows = [p.row for p in ordered]
                outbox = detractor_events(shared, rows, context.code)
                stored = await writer.insert_new(shared, rows, visit, outbox)
            resends = [p.candidate.key for p in ordered if p.candidate.key not in stored]
            existing = await writer.body_hashes(resends) if resends else {}
            for prepared in ordered:
                outcomes[prepared.candidate.index] = _stored_outcome(prepared, stored, existing, received_at)
            for candidate, first in repeats:
                # The same id twice in one request: a repeat of the first is a duplicate of it.
                first_outcome = outcomes[first.index]
                if candidate.body_hash == first.body_hash and first_outcome.status != ResponseStatus.REJECTED:
                    outcomes[candidate.index] = Outcome(candidate.key, ResponseStatus.DUPLICATE)
                else:
                    outcomes[candidate.index] = _conflict(candidate)
            results = [outcomes[index] for index in sorted(outcomes)]
            counts = {status: sum(1 for o in results if o.status == status) for status in ResponseStatus}
            if visit is not None and (resends or repeats or found_before or refusal is not None):
                # What the insert could not count: resends (duplicates) and conflicts — and with a
                # refusal there was no insert: everything of the request.
                await writer.record_kiosk_activity(
                    visit.kiosk_id,
                    received_at,
                    0,
                    counts[ResponseStatus.DUPLICATE],
                    counts[ResponseStatus.REJECTED] - (0 if refusal is not None else rejected_before),
                )
        if self.counter is not None:
            for status, count in counts.items():
                if count:
                    self.counter.labels(channel, status.value).inc(count)
        # A line per kiosk batch; single responses (up to ~1,000/s per worker) only at debug level —
        # the zdrav_survey_responses_total counter has their numbers.
        (log.info if len(candidates) + len(extra_rejects) > 1 or kiosk_id is not None else log.debug)(
            "responses_ingested",
            campaign=context.code,
            org_unit=unit.code,
            channel=channel,
            kiosk_id=kiosk_id,
            accepted=counts[ResponseStatus.ACCEPTED],
            duplicate=counts[ResponseStatus.DUPLICATE],
            rejected=counts[ResponseStatus.REJECTED],
        )
        return results

    @staticmethod
    async def _stored_refusals(
        writer: IngestionWriter, refused: Sequence[Candidate], outcomes: dict[int, Outcome]
    ) -> int:
        """Turn the refused candidates whose id is stored into duplicates (same body) or id conflicts
        (another body); the number found stored."""
        existing = await writer.body_hashes([candidate.key for candidate in refused])
        for candidate in refused:
            stored_hash = existing.get(candidate.key)
            if stored_hash is None:
                continue
            if stored_hash == candidate.body_hash:
                outcomes[candidate.index] = Outcome(candidate.key, ResponseStatus.DUPLICATE)
            else:
                outcomes[candidate.index] = _conflict(candidate)
        return sum(1 for candidate in refused if candidate.key in existing)

    def _prepare(
        self,
        context: CampaignContext,
        unit: DeployedUnit,
        candidate: Candidate,
        received_at: datetime,
        window: ClockWindow,
    ) -> _Prepared | Outcome:
        stored = context.answer_plan.store(candidate.answers)
        if stored is None:  # not the common shape: the general path judges, and explains a reject
            errors = validate_answers(
                context.definition, candidate.answers, pointer_prefix=f"{candidate.pointer}/answers"
            )
            if errors:
                problem = AnswersInvalid(
                    "; ".join(f"{e.pointer}: {e.message}" for e in errors[:5]),
                    errors=[FieldError(pointer=e.pointer, message=e.message) for e in errors],
                )
                return Outcome(candidate.key, ResponseStatus.REJECTED, problem)
            stored = stored_answers(context.definition, context.satisfaction_codes, candidate.answers)
        submitted_at = candidate.submitted_at
        if window.trusts(submitted_at):
            effective_at, skew = submitted_at, ClockSkew.NONE
        else:
            check = check_clock(
                submitted_at,
                received_at,
                future_tolerance=self.clock.future_tolerance,
                max_age=self.clock.max_age,
            )
            effective_at, skew = check.effective_at, check.skew
        local_day = effective_at.astimezone(unit.zone).date()
        if not context.starts_on <= local_day <= context.ends_on:
            outside = OutsideCampaign(
                f"answered on {local_day.isoformat()}, outside the campaign's dates "
                f"{context.starts_on.isoformat()} – {context.ends_on.isoformat()}",
                pointer=f"{candidate.pointer}/submitted_at",
            )
            return Outcome(candidate.key, ResponseStatus.REJECTED, outside)
        month, quarter, year = _period_codes(local_day.year, local_day.month)
        # A screened-out response is stored with its answers, but nothing of it is in the columns
        # that aggregates count (models.responses): no query can take it in by mistake.
        satisfaction, nps = ((), None) if stored.screened_out else (stored.satisfaction, stored.nps)
        # The columns all rows share are given once (responses.rows); effective_at only when it
        # is not submitted_at.
        row: dict[str, Any] = {
            "id": candidate.key,
            "submitted_at": submitted_at,
            "effective_at": None if effective_at is submitted_at else effective_at,
            "clock_skew": skew.value,
            "month": month,
            "quarter": quarter,
            "year": year,
            "body_hash": candidate.body_hash,
            "answers": stored.answers,
            "has_text": stored.has_text,
            "nps": nps,
            "screened_out": stored.screened_out,
        }
        row.update(zip(_SATISFACTION_COLUMNS, satisfaction + _NO_ANSWERS[len(satisfaction) :], strict=True))
        return _Prepared(candidate, row)


_SATISFACTION_COLUMNS = tuple(f"sat{slot + 1}" for slot in range(SATISFACTION_SLOTS))
_NO_ANSWERS: tuple[None, ...] = (None,) * SATISFACTION_SLOTS


@cache
def _period_codes(year: int, month: int) -> tuple[str, str, int]:
    """Month, quarter and year codes of a local month (``response_month`` of its days), computed
    once per month instead of once per response: the hot path of batch ingestion."""
    period = Period.containing(date(year, month, 1), PeriodType.MONTH)
    return period.code, period.parent(PeriodType.QUARTER).code, period.year


def _stored_outcome(prepared: _Prepared, stored: set[str], existing: dict[str, str], received_at: datetime) -> Outcome:
    """Stored now: accepted; stored before with the same body: a duplicate; else a conflict."""
    candidate = prepared.candidate
    if candidate.key in stored:
        status = ResponseStatus.ACCEPTED
    elif existing.get(candidate.key) == candidate.body_hash:
        status = ResponseStatus.DUPLICATE
    else:
        return _conflict(candidate)
    row = prepared.row
    return Outcome(candidate.key, status, None, received_at, row["clock_skew"], row["month"], row["screened_out"])


def _conflict(candidate: Candidate) -> Outcome:
    return Outcome(candidate.key, ResponseStatus.REJECTED, ResponseIdConflict(candidate.key))
