"""Pure rules of detractor follow-ups: which detractors open one, where the work goes, when it is due,
and how the share followed up within 48 hours is counted and rolled up.

- **Who opens one.** A detractor (NPS 0–6) *with a comment*: the comment is what there is to answer.
  A detractor without one opens nothing and is not counted, so the share's denominator is the
  detractors with a comment.
- **Where the work goes.** The org unit's open improvement project (planned or in progress) first, as
  the lean team owns the process the patient complains about; else a task on the region's approved
  (or running) roadmap, one already carrying tasks of that org unit preferred; else ``unassigned``,
  kept and visible rather than dropped.
- **Due.** Two working days after the submission's date in the region's time zone, on the Russian
  production calendar (the submission's own day not counted, Civil Code art. 191).
- **Within 48 h.** Done no later than 48 hours after the submission instant. Not done: ``pending``
  until its due date has passed in the region, ``overdue`` after. Rows roll up as Σ numerators ÷
  Σ denominators, never as a mean of shares; an empty denominator is a null share, not 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from roadmap_api.regions import local_date
from zdrav_shared.contracts.followups import share_of
from zdrav_shared.production_calendar import add_working_days

DETRACTOR_MAX = 6
WINDOW = timedelta(hours=48)
DUE_WORKING_DAYS = 2
OPEN_PROJECT_STATUSES = ("in_progress", "planned")
ACTIVE_ROADMAP_STATUSES = ("approved", "in_progress")


class Target(StrEnum):
    IMPROVEMENT_PROJECT = "improvement_project"
    ROADMAP = "roadmap"
    UNASSIGNED = "unassigned"


class FollowupStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class Bucket(StrEnum):
    """Where one follow-up lands in the summary."""

    WITHIN_48H = "within_48h"
    DONE_LATE = "done_late"
    PENDING = "pending"
    OVERDUE = "overdue"


def has_comment(comment: str | None) -> bool:
    """A comment with something in it (a masked one still counts: the patient said something)."""
    return comment is not None and comment.strip() != ""


def is_detractor(nps: int | None) -> bool:
    return nps is not None and 0 <= nps <= DETRACTOR_MAX


def local_day(moment: datetime, timezone: str | None) -> date:
    """The region's date of ``moment`` (``regions.local_date``; a naive moment is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return local_date(timezone, moment)


def due_date(submitted_at: datetime, timezone: str | None) -> date:
    """The second working day after the submission's local date."""
    return add_working_days(local_day(submitted_at, timezone), DUE_WORKING_DAYS)


def bucket(submitted_at: datetime, done_at: datetime | None, due: date, today: date) -> Bucket:
    """``today`` is the region's local date."""
    if done_at is not None:
        return Bucket.WITHIN_48H if done_at - submitted_at <= WINDOW else Bucket.DONE_LATE
    return Bucket.OVERDUE if today > due else Bucket.PENDING


@dataclass(slots=True)
class Tally:
    """The counts of one row; ``detractors`` is the denominator, ``within_48h`` the numerator."""

    detractors: int = 0
    within_48h: int = 0
    done_late: int = 0
    pending: int = 0
    overdue: int = 0

    def count(self, where: Bucket) -> None:
        self.detractors += 1
        if where is Bucket.WITHIN_48H:
            self.within_48h += 1
        elif where is Bucket.DONE_LATE:
            self.done_late += 1
        elif where is Bucket.PENDING:
            self.pending += 1
        else:
            self.overdue += 1

    def add(self, other: Tally) -> None:
        self.detractors += other.detractors
        self.within_48h += other.within_48h
        self.done_late += other.done_late
        self.pending += other.pending
        self.overdue += other.overdue

    @property
    def share(self) -> Decimal | None:
        return share_of(self.within_48h, self.detractors)


def roll_up(tallies: Iterable[Tally]) -> Tally:
    """Σ of the counts (so the share is Σ numerators ÷ Σ denominators)."""
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total
