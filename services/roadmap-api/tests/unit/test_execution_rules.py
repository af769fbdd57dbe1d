from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_api.execution.rules import (
    Deviation,
    DueState,
    TaskFact,
    classify,
    compute_execution,
    deviation,
)
from roadmap_api.tasks.rules import TaskStatus

AS_OF = date(2025, 3, 31)
S = TaskStatus


def d(day: str) -> date:
    return date.fromisoformat(day)


# The units of a hand-built approved plan covering each case of the contract, judged as of 2025-03-31.
ROADMAP = {
    "on_time_early": TaskFact(S.DONE, d("2025-03-01"), d("2025-02-28")),
    "on_time_same_day": TaskFact(S.DONE, d("2025-03-10"), d("2025-03-10")),
    "late": TaskFact(S.DONE, d("2025-03-05"), d("2025-03-20")),
    "overdue_in_progress": TaskFact(S.IN_PROGRESS, d("2025-03-15")),
    "cancelled_after_approval": TaskFact(S.CANCELLED, d("2025-03-20"), None, d("2025-03-01")),
    "not_due_yet": TaskFact(S.PLANNED, d("2025-04-30")),
    "due_today_open": TaskFact(S.PLANNED, AS_OF),
    "done_after_as_of": TaskFact(S.DONE, d("2025-03-25"), d("2025-04-02")),
    "done_early_not_due": TaskFact(S.DONE, d("2025-05-01"), d("2025-03-01")),
}


class TestComputeExecution:
    def test_hand_built_roadmap(self) -> None:
        result = compute_execution(ROADMAP.values(), AS_OF)

        # due: both on-time, late, overdue_in_progress, cancelled_after_approval, due_today_open,
        # done_after_as_of; 3 of 7 completed by as_of = 42.857… %
        assert result.due == 7
        assert result.completed_on_time == 2
        assert result.completed_late == 1
        assert result.overdue == 4
        assert result.cancelled_after_approval == 1
        assert result.execution_pct == Decimal("42.86")
        assert result.threshold_pct == Decimal(90)
        assert result.meets_threshold is False
        assert result.as_of == AS_OF

    def test_completion_after_as_of_is_overdue_then_late_later(self) -> None:
        task = ROADMAP["done_after_as_of"]
        before = compute_execution([task], AS_OF)
        after = compute_execution([task], d("2025-04-02"))
        assert (before.overdue, before.completed_late) == (1, 0)
        assert (after.overdue, after.completed_late, after.execution_pct) == (0, 1, Decimal("100.00"))

    def test_nothing_due_gives_null_pct(self) -> None:
        result = compute_execution([ROADMAP["not_due_yet"], ROADMAP["done_early_not_due"]], AS_OF)
        assert result.due == 0
        assert result.execution_pct is None
        assert result.meets_threshold is None

    def test_empty_roadmap(self) -> None:
        assert compute_execution([], AS_OF).execution_pct is None

    def test_exactly_ninety_percent_meets_threshold(self) -> None:
        tasks = [TaskFact(S.DONE, d("2025-01-10"), d("2025-01-09"))] * 9 + [TaskFact(S.PLANNED, d("2025-01-10"))]
        result = compute_execution(tasks, AS_OF)
        assert result.execution_pct == Decimal("90.00")
        assert result.meets_threshold is True

    def test_threshold_uses_exact_ratio_not_rounded_pct(self) -> None:
        tasks = [TaskFact(S.DONE, d("2025-01-10"), d("2025-01-10"))] * 2 + [TaskFact(S.PLANNED, d("2025-01-10"))]
        result = compute_execution(tasks, AS_OF, threshold_pct=Decimal("66.67"))
        assert result.execution_pct == Decimal("66.67")
        assert result.meets_threshold is False

    def test_done_without_date_is_not_counted_complete(self) -> None:
        result = compute_execution([TaskFact(S.DONE, d("2025-01-10"), None)], AS_OF)
        assert (result.due, result.overdue, result.execution_pct) == (1, 1, Decimal("0.00"))

    def test_cancelled_after_approval_stays_due_and_not_completed(self) -> None:
        # Cancelled (after it was once done: the date is stale) — still due, never complete.
        result = compute_execution([TaskFact(S.CANCELLED, d("2025-01-10"), d("2025-01-05"), d("2025-02-01"))], AS_OF)
        assert (result.due, result.overdue, result.cancelled_after_approval) == (1, 1, 1)
        assert result.execution_pct == Decimal("0.00")

    def test_cancelled_counts_whatever_the_cancellation_date(self) -> None:
        task = TaskFact(S.CANCELLED, d("2025-01-10"), None, d("2025-04-15"))
        before = compute_execution([task], AS_OF)
        assert (before.overdue, before.cancelled_after_approval) == (1, 1)


task_facts = st.builds(
    TaskFact,
    status=st.sampled_from(list(TaskStatus)),
    due_date=st.dates(date(2025, 1, 1), date(2025, 12, 31)),
    completed_on=st.none() | st.dates(date(2025, 1, 1), date(2025, 12, 31)),
    cancelled_on=st.none() | st.dates(date(2025, 1, 1), date(2025, 12, 31)),
)


class TestExecutionProperties:
    @settings(max_examples=200, deadline=None)
    @given(tasks=st.lists(task_facts, max_size=30), as_of=st.dates(date(2025, 1, 1), date(2025, 12, 31)))
    def test_identity_and_bounds(self, tasks: list[TaskFact], as_of: date) -> None:
        result = compute_execution(tasks, as_of)
        assert result.due == result.completed_on_time + result.completed_late + result.overdue
        assert result.due == sum(1 for t in tasks if t.due_date <= as_of)
        assert 0 <= result.cancelled_after_approval <= result.overdue
        if result.execution_pct is None:
            assert result.due == 0
        else:
            assert Decimal(0) <= result.execution_pct <= Decimal(100)
            assert result.meets_threshold == (
                (result.completed_on_time + result.completed_late) * 100 >= 90 * result.due
            )

    @settings(max_examples=100, deadline=None)
    @given(tasks=st.lists(task_facts, max_size=20), as_of=st.dates(date(2025, 1, 1), date(2025, 12, 31)))
    def test_overdue_agrees_with_list_view(self, tasks: list[TaskFact], as_of: date) -> None:
        # The list view shows open tasks: over the tasks that are not cancelled the two agree.
        open_tasks = [t for t in tasks if t.status is not S.CANCELLED]
        result = compute_execution(open_tasks, as_of)
        assert result.overdue == sum(1 for t in open_tasks if classify(t, as_of) is DueState.OVERDUE)


class TestDeviation:
    def test_completed_late_against_baseline_despite_reschedule(self) -> None:
        # Postponed by 30 days and finished on the new date: still 30 days late against the plan.
        dev = deviation(d("2025-03-01"), d("2025-03-31"), d("2025-03-31"), as_of=d("2025-06-01"))
        assert dev == Deviation(reschedule_days=30, delay_days=30, settled=True)

    def test_completed_early_is_negative(self) -> None:
        dev = deviation(d("2025-03-10"), d("2025-03-10"), d("2025-03-07"), as_of=d("2025-04-01"))
        assert dev == Deviation(0, -3, settled=True)

    def test_open_task_accrues_delay(self) -> None:
        assert deviation(d("2025-03-10"), d("2025-03-10"), None, as_of=d("2025-03-15")) == Deviation(0, 5, False)

    def test_open_task_not_yet_due_has_no_delay(self) -> None:
        assert deviation(d("2025-03-10"), d("2025-02-10"), None, as_of=d("2025-03-01")) == Deviation(-28, 0, False)

    def test_completion_after_as_of_is_unknown_then(self) -> None:
        dev = deviation(d("2025-03-10"), d("2025-03-10"), d("2025-03-20"), as_of=d("2025-03-12"))
        assert dev == Deviation(0, 2, settled=False)


class TestClassify:
    @pytest.mark.parametrize(
        ("task", "expected"),
        [
            (TaskFact(S.CANCELLED, AS_OF - timedelta(days=10)), DueState.CANCELLED),
            (TaskFact(S.DONE, AS_OF - timedelta(days=10), AS_OF), DueState.DONE),
            (TaskFact(S.DONE, AS_OF, AS_OF + timedelta(days=1)), DueState.OVERDUE),
            (TaskFact(S.IN_PROGRESS, AS_OF - timedelta(days=1)), DueState.OVERDUE),
            (TaskFact(S.PLANNED, AS_OF), DueState.OVERDUE),
            (TaskFact(S.PLANNED, AS_OF + timedelta(days=1)), DueState.DUE_SOON),
            (TaskFact(S.PLANNED, AS_OF + timedelta(days=7)), DueState.DUE_SOON),
            (TaskFact(S.PLANNED, AS_OF + timedelta(days=8)), DueState.ON_SCHEDULE),
        ],
    )
    def test_states(self, task: TaskFact, expected: DueState) -> None:
        assert classify(task, AS_OF) is expected

    def test_soon_window_is_configurable(self) -> None:
        task = TaskFact(S.PLANNED, AS_OF + timedelta(days=10))
        assert classify(task, AS_OF, soon_within_days=14) is DueState.DUE_SOON
        assert classify(task, AS_OF, soon_within_days=0) is DueState.ON_SCHEDULE

    def test_negative_window_is_refused(self) -> None:
        with pytest.raises(ValueError):
            classify(TaskFact(S.PLANNED, AS_OF), AS_OF, soon_within_days=-1)
