"""Response ingestion: validate in Python, store a whole batch with one multi-row insert, and tell
duplicates (same id, same canonical body) from conflicting resends (same id, other body).

Race-free by construction: the insert is ``ON CONFLICT (id) DO NOTHING``, so when the same batch
is posted twice at once, the database stores each id once and the loser of each race sees the
winner's row (and its body hash) after the conflict. Never commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from prometheus_client import Counter

from survey_api.campaigns.context import CampaignContext, DeployedUnit
from survey_api.models import utcnow
from survey_api.questionnaires.rules import QuestionType, validate_answers
from survey_api.responses.errors import AnswersInvalid, OutsideCampaign, ResponseIdConflict
from survey_api.responses.rules import check_clock, mask_personal_data
from survey_api.responses.schemas import ResponseStatus
from survey_api.responses.writers import IngestionWriter, WriterTransaction
from zdrav_shared.logging import get_logger
from zdrav_shared.periods import Period, PeriodType
from zdrav_shared.problems import FieldError, ProblemError

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One response to store: parsed, with its canonical body hash and where it sits in the request."""

    index: int
    id: UUID
    submitted_at: datetime
    answers: Mapping[str, Any]
    body_hash: str
    pointer: str = ""


@dataclass(slots=True)
class Outcome:
    id: str | None
    status: ResponseStatus
    error: ProblemError | None = None
    received_at: datetime | None = None
    clock_skew: str | None = None
    period: str | None = None

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
    outcome: Outcome = field(init=False)


class ResponseIngestion:
    def __init__(
        self, transaction: WriterTransaction, clock: ClockPolicy | None = None, counter: Counter | None = None
    ) -> None:
        self.transaction = transaction
        self.clock = clock or ClockPolicy()
        self.counter = counter

    async def ingest(
        self,
        context: CampaignContext,
        unit: DeployedUnit,
        channel: str,
        candidates: Sequence[Candidate],
        *,
        kiosk_id: str | None = None,
        extra_rejects: Sequence[tuple[int, Outcome]] = (),
    ) -> list[Outcome]:
        """Store the valid candidates once each; outcomes come back in request order (by ``index``)."""
        received_at = utcnow()
        outcomes: dict[int, Outcome] = dict(extra_rejects)
        first_by_id: dict[UUID, _Prepared] = {}
        repeats: list[tuple[Candidate, _Prepared]] = []
        for candidate in candidates:
            if candidate.id in first_by_id:
                repeats.append((candidate, first_by_id[candidate.id]))
                continue
            prepared = self._prepare(context, unit, channel, kiosk_id, candidate, received_at)
            if isinstance(prepared, Outcome):
                outcomes[candidate.index] = prepared
            else:
                first_by_id[candidate.id] = prepared
        ordered = sorted(first_by_id.values(), key=lambda p: p.candidate.id)
        # The kiosk's counters are a second write that must commit with the rows: the counts never
        # disagree with what is stored. Otherwise the INSERT is the only write, atomic by itself.
        async with self.transaction(kiosk_id is not None) as writer:
            await self._store(writer, ordered, outcomes, received_at)
            for candidate, first in repeats:
                # The same id twice in one request: a repeat of the first is a duplicate of it.
                first_outcome = outcomes[first.candidate.index]
                if candidate.body_hash == first.candidate.body_hash and first_outcome.status != ResponseStatus.REJECTED:
                    outcomes[candidate.index] = Outcome(str(candidate.id), ResponseStatus.DUPLICATE)
                else:
                    outcomes[candidate.index] = _conflict(candidate)
            results = [outcomes[index] for index in sorted(outcomes)]
            counts = {status: sum(1 for o in results if o.status == status) for status in ResponseStatus}
            if kiosk_id is not None:
                await writer.record_kiosk_activity(
                    kiosk_id,
                    received_at,
                    counts[ResponseStatus.ACCEPTED],
                    counts[ResponseStatus.DUPLICATE],
                    counts[ResponseStatus.REJECTED],
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
    async def _store(
        writer: IngestionWriter, ordered: list[_Prepared], outcomes: dict[int, Outcome], received_at: datetime
    ) -> None:
        """Insert the new ids; an id stored before is a duplicate with the same body, else a conflict."""
        stored = await writer.insert_new([p.row for p in ordered])
        conflicted = [p.candidate.id for p in ordered if p.candidate.id not in stored]
        existing = await writer.body_hashes(conflicted)
        for prepared in ordered:
            candidate = prepared.candidate
            if candidate.id in stored:
                status = ResponseStatus.ACCEPTED
            elif existing.get(candidate.id) == candidate.body_hash:
                status = ResponseStatus.DUPLICATE
            else:
                outcomes[candidate.index] = _conflict(candidate)
                continue
            row = prepared.row
            outcomes[candidate.index] = Outcome(
                str(candidate.id), status, None, received_at, row["clock_skew"], row["month"]
            )

    def _prepare(
        self,
        context: CampaignContext,
        unit: DeployedUnit,
        channel: str,
        kiosk_id: str | None,
        candidate: Candidate,
        received_at: datetime,
    ) -> _Prepared | Outcome:
        definition = context.definition
        errors = validate_answers(definition, candidate.answers, pointer_prefix=f"{candidate.pointer}/answers")
        if errors:
            problem = AnswersInvalid(
                "; ".join(f"{e.pointer}: {e.message}" for e in errors[:5]),
                errors=[FieldError(pointer=e.pointer, message=e.message) for e in errors],
            )
            return Outcome(str(candidate.id), ResponseStatus.REJECTED, problem)
        check = check_clock(
            candidate.submitted_at,
            received_at,
            future_tolerance=self.clock.future_tolerance,
            max_age=self.clock.max_age,
        )
        local_day = check.effective_at.astimezone(unit.zone).date()
        if not context.starts_on <= local_day <= context.ends_on:
            outside = OutsideCampaign(
                f"answered on {local_day.isoformat()}, outside the campaign's dates "
                f"{context.starts_on.isoformat()} – {context.ends_on.isoformat()}",
                pointer=f"{candidate.pointer}/submitted_at",
            )
            return Outcome(str(candidate.id), ResponseStatus.REJECTED, outside)
        month, quarter, year = _period_codes(local_day.year, local_day.month)
        answers, has_text, nps_score = _stored_answers(context, candidate.answers)
        row: dict[str, Any] = {
            "id": candidate.id,
            "campaign_id": context.id,
            "org_unit_code": unit.code,
            "org_unit_path": unit.path,
            "channel": channel,
            "kiosk_id": kiosk_id,
            "submitted_at": candidate.submitted_at.astimezone(UTC),
            "received_at": received_at,
            "effective_at": check.effective_at,
            "clock_skew": check.skew.value,
            "month": month,
            "quarter": quarter,
            "year": year,
            "body_hash": candidate.body_hash,
            "answers": answers,
            "has_text": has_text,
            "nps": nps_score,
        }
        for slot in range(5):
            code = context.satisfaction_codes[slot] if slot < len(context.satisfaction_codes) else None
            value = answers.get(code) if code else None
            row[f"sat{slot + 1}"] = value if isinstance(value, str) else None
        return _Prepared(candidate, row)


@cache
def _period_codes(year: int, month: int) -> tuple[str, str, int]:
    """Month, quarter and year codes of a local month (``response_month`` of its days), computed
    once per month instead of once per response: the hot path of batch ingestion."""
    period = Period.containing(date(year, month, 1), PeriodType.MONTH)
    return period.code, period.parent(PeriodType.QUARTER).code, period.year


def _stored_answers(context: CampaignContext, answers: Mapping[str, Any]) -> tuple[dict[str, Any], bool, int | None]:
    """Answers as stored: unanswered ones dropped, free text masked; plus has-text and the NPS score."""
    stored: dict[str, Any] = {}
    has_text = False
    nps_score: int | None = None
    for question in context.definition.questions:
        value = answers.get(question.code)
        if value is None:
            continue
        if question.type is QuestionType.FREE_TEXT:
            if not value.strip():
                continue
            value = mask_personal_data(value)
            has_text = True
        elif question.type is QuestionType.MULTIPLE_CHOICE and not value:
            continue
        elif question.type is QuestionType.NPS and nps_score is None:
            nps_score = value
        stored[question.code] = value
    return stored, has_text, nps_score


def _conflict(candidate: Candidate) -> Outcome:
    return Outcome(str(candidate.id), ResponseStatus.REJECTED, ResponseIdConflict(str(candidate.id)))
