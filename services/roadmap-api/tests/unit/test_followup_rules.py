"""The pure rules of detractor follow-ups: due dates on the production calendar, the 48-hour
buckets, and the roll-up as Σ ÷ Σ."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from roadmap_api.followups.rules import Bucket, Tally, bucket, due_date, has_comment, roll_up
from zdrav_shared.production_calendar import add_working_days, is_working_day

SUBMITTED = datetime.fromisoformat("2026-07-06T09:00:00+03:00")


@pytest.mark.parametrize(
    ("submitted", "zone", "due"),
    [
        ("2026-07-03T12:00:00+03:00", "Europe/Moscow", date(2026, 7, 7)),
        ("2026-12-30T12:00:00+03:00", "Europe/Moscow", date(2027, 1, 12)),
        ("2026-12-31T23:30:00+03:00", "Europe/Moscow", date(2027, 1, 12)),
        ("2026-07-02T18:00:00+00:00", "Asia/Krasnoyarsk", date(2026, 7, 7)),
        ("2026-07-02T18:00:00+00:00", None, date(2026, 7, 6)),
    ],
)
def test_due_in_two_working_days_of_the_region(submitted: str, zone: str | None, due: date) -> None:
    assert due_date(datetime.fromisoformat(submitted), zone) == due


def test_the_calendar_behind_new_year() -> None:
    """31 December 2026 is a day off (moved from 4 January) and 1–10 January 2027 are off."""
    assert not is_working_day(date(2026, 12, 31))
    assert [d for d in (date(2027, 1, n) for n in range(1, 13)) if is_working_day(d)] == [
        date(2027, 1, 11),
        date(2027, 1, 12),
    ]
    assert add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 11)


def test_buckets() -> None:
    due = date(2026, 7, 8)
    window = SUBMITTED + timedelta(hours=48)
    assert bucket(SUBMITTED, window, due, due) is Bucket.WITHIN_48H
    assert bucket(SUBMITTED, window + timedelta(seconds=1), due, due) is Bucket.DONE_LATE
    assert bucket(SUBMITTED, None, due, due) is Bucket.PENDING
    assert bucket(SUBMITTED, None, due, due + timedelta(days=1)) is Bucket.OVERDUE


def test_roll_up_sums_counts() -> None:
    one = Tally()
    one.count(Bucket.WITHIN_48H)
    three = Tally()
    for where in (Bucket.WITHIN_48H, Bucket.DONE_LATE, Bucket.OVERDUE):
        three.count(where)
    total = roll_up([one, three])
    assert (total.detractors, total.within_48h, total.share) == (4, 2, 50)
    assert (one.share + three.share) / 2 != total.share  # type: ignore[operator]
    assert Tally().share is None


@pytest.mark.parametrize(("comment", "expected"), [(None, False), ("", False), (" \n", False), ("[телефон]", True)])
def test_a_comment_is_something_said(comment: str | None, expected: bool) -> None:
    assert has_comment(comment) is expected
