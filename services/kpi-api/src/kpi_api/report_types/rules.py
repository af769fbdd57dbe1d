"""When a report is due: the pure rules of report types (no database).

Three rules (CONTRACT.md, kpi-api "Additions"):

* ``day_of_next_period`` (``day``, ``months_after``): the ``day``-th of the month ``months_after``
  months after the period's last month — "the monthly report from the 1st to the 5th of the next
  month" is ``day=5, months_after=1``; a day the month lacks is its last day;
* ``working_days_after_event`` (``days``): the ``days``-th working day after the event, the event's
  own day not counted (Civil Code art. 191) — "within 3 working days";
* ``months_after_event`` (``months``): the same day ``months`` months after the event (art. 192; the
  month's last day when it lacks that day) — "within two months of the end of the roll-out".

``roll_forward`` moves a due day that falls on a day off to the next working day (art. 193); a
working-day rule always ends on a working day. Working days are the Russian production calendar of
the year the day falls in. The due day ends at local midnight of the org unit's time zone:
``due_at`` (shown) is the last second of the due day there, and a submission is on time when it is
made before the next local midnight (:func:`first_late_instant`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from kpi_api.reporting_calendar import (
    RUSSIA,
    DayCalendar,
    DeadlineRule,
    add_months,
    add_working_days,
    deadline_for,
    next_working_day,
    zone,
)
from zdrav_shared.periods import Period

MAX_DAYS_AFTER_EVENT = 60
MAX_MONTHS_AFTER_EVENT = 24


class DueRuleKind(StrEnum):
    DAY_OF_NEXT_PERIOD = "day_of_next_period"
    WORKING_DAYS_AFTER_EVENT = "working_days_after_event"
    MONTHS_AFTER_EVENT = "months_after_event"

    @property
    def is_event_based(self) -> bool:
        return self is not DueRuleKind.DAY_OF_NEXT_PERIOD


@dataclass(frozen=True, slots=True)
class DueRule:
    kind: DueRuleKind
    day: int | None = None
    months_after: int | None = None
    days: int | None = None
    months: int | None = None
    roll_forward: bool = False

    def problems(self) -> list[tuple[str, str]]:
        """``(field, message)`` for every parameter that is missing, out of range or foreign to the rule."""
        found: list[tuple[str, str]] = []
        own = {
            DueRuleKind.DAY_OF_NEXT_PERIOD: {"day", "months_after"},
            DueRuleKind.WORKING_DAYS_AFTER_EVENT: {"days"},
            DueRuleKind.MONTHS_AFTER_EVENT: {"months"},
        }[self.kind]
        for name in ("day", "months_after", "days", "months"):
            if name not in own and getattr(self, name) is not None:
                found.append((name, f"{name} does not belong to the rule {self.kind.value} (it takes {_names(own)})"))
        if self.kind is DueRuleKind.DAY_OF_NEXT_PERIOD:
            if self.day is None:
                found.append(("day", "day_of_next_period needs day (1–31)"))
            elif not 1 <= self.day <= 31:
                found.append(("day", "day must be between 1 and 31"))
            if self.months_after is not None and not 0 <= self.months_after <= 12:
                found.append(("months_after", "months_after must be between 0 and 12"))
        elif self.kind is DueRuleKind.WORKING_DAYS_AFTER_EVENT:
            if self.days is None or not 1 <= self.days <= MAX_DAYS_AFTER_EVENT:
                found.append(("days", f"working_days_after_event needs days between 1 and {MAX_DAYS_AFTER_EVENT}"))
        elif self.months is None or not 1 <= self.months <= MAX_MONTHS_AFTER_EVENT:
            found.append(("months", f"months_after_event needs months between 1 and {MAX_MONTHS_AFTER_EVENT}"))
        return found

    def describe_ru(self) -> str:
        """The rule in Russian, as a report form would print it."""
        roll = "; срок, выпавший на выходной, переносится на ближайший рабочий день" if self.roll_forward else ""
        if self.kind is DueRuleKind.DAY_OF_NEXT_PERIOD:
            after = self.months_after if self.months_after is not None else 1
            month = {0: "последнего месяца периода", 1: "месяца, следующего за периодом"}.get(
                after, f"{after}-го месяца после периода"
            )
            return f"до {self.day}-го числа {month}{roll}"
        if self.kind is DueRuleKind.WORKING_DAYS_AFTER_EVENT:
            return f"в течение {self.days} рабочих дней после события"
        return f"в течение {self.months} мес. после события{roll}"


def _names(names: set[str]) -> str:
    return ", ".join(sorted(names))


def due_date(
    rule: DueRule, *, period: Period | None = None, event_date: date | None = None, calendar: DayCalendar = RUSSIA
) -> date:
    """The last day on which the report is on time (local date of the org unit).

    Period rules need ``period``, event rules ``event_date`` (ValueError otherwise)."""
    if rule.kind is DueRuleKind.DAY_OF_NEXT_PERIOD:
        if period is None or rule.day is None:
            raise ValueError("a period report needs its period")
        months_after = rule.months_after if rule.months_after is not None else 1
        return deadline_for(period, DeadlineRule(rule.day, months_after, roll_forward=rule.roll_forward), calendar)
    if event_date is None:
        raise ValueError("an event report needs the event's date")
    if rule.kind is DueRuleKind.WORKING_DAYS_AFTER_EVENT:
        return add_working_days(event_date, rule.days or 0, calendar)
    due = add_months(event_date, rule.months or 0)
    return next_working_day(due, calendar) if rule.roll_forward else due


def first_late_instant(due: date, timezone: str) -> datetime:
    """Local midnight after the due day, as an aware datetime in ``timezone``."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=zone(timezone))


def due_at(due: date, timezone: str) -> datetime:
    """The last second of the due day in ``timezone`` (what answers show as ``due_at``)."""
    return datetime.combine(due, time(23, 59, 59), tzinfo=zone(timezone))


def is_on_time(submitted_at: datetime, due: date, timezone: str) -> bool:
    """Made before local midnight after the due day (``submitted_at`` must be timezone-aware)."""
    if submitted_at.tzinfo is None or submitted_at.utcoffset() is None:
        raise ValueError("submitted_at must be timezone-aware")
    return submitted_at < first_late_instant(due, timezone)


def obligation_key(period: Period | None, event_date: date | None) -> str:
    """The upsert key of an obligation: the period code, or the event date in ISO form."""
    if period is not None:
        return period.code
    if event_date is None:
        raise ValueError("an obligation has a period or an event date")
    return event_date.isoformat()
