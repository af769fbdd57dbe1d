"""The plan a version freezes: leaves, occurrences of recurring tasks, units and the version in force."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_api.execution.plan import (
    LiveState,
    Occurrence,
    PlanNode,
    PlanRow,
    VersionRef,
    in_plan_leaves,
    occurrences,
    plan_rows,
    unit_facts,
    version_in_force,
)
from roadmap_api.execution.rules import compute_execution
from roadmap_api.tasks.rules import Recurrence, TaskStatus

S = TaskStatus
R = Recurrence


def d(day: str) -> date:
    return date.fromisoformat(day)


class TestOccurrences:
    def test_once_is_one_unit_on_its_due_date(self) -> None:
        assert occurrences(R.ONCE, d("2025-01-10"), d("2025-03-31")) == [Occurrence("", d("2025-03-31"))]

    def test_ongoing_murmansk_activity_9_is_twenty_quarters(self) -> None:
        # «Увеличение числа обучающихся …»: from 01.01.2021 «на постоянной основе», to the programme's end.
        found = occurrences(R.ONGOING, d("2021-01-01"), d("2025-12-31"))
        assert len(found) == 20
        assert found[0] == Occurrence("2021Q1", d("2021-03-31"))
        assert found[1] == Occurrence("2021Q2", d("2021-06-30"))
        assert found[-1] == Occurrence("2025Q4", d("2025-12-31"))

    def test_ongoing_starts_in_the_start_quarter_and_ends_on_the_due_date(self) -> None:
        assert occurrences(R.ONGOING, d("2025-02-15"), d("2025-08-10")) == [
            Occurrence("2025Q1", d("2025-03-31")),
            Occurrence("2025Q2", d("2025-06-30")),
            Occurrence("2025Q3", d("2025-08-10")),
        ]

    def test_yearly_on_the_due_dates_anniversary(self) -> None:
        # Murmansk task 8: the territorial programme, «ежегодно» from 01.01.2021 to the end of 2025.
        assert [o.period for o in occurrences(R.YEARLY, d("2021-01-01"), d("2025-12-31"))] == [
            "2021",
            "2022",
            "2023",
            "2024",
            "2025",
        ]
        assert occurrences(R.YEARLY, d("2021-07-01"), d("2025-06-30")) == [
            Occurrence(str(y), date(y, 6, 30)) for y in range(2022, 2026)
        ]

    def test_yearly_29_february_is_the_28th_in_other_years(self) -> None:
        assert [o.due_date for o in occurrences(R.YEARLY, d("2025-01-01"), d("2028-02-29"))] == [
            d("2025-02-28"),
            d("2026-02-28"),
            d("2027-02-28"),
            d("2028-02-29"),
        ]

    @pytest.mark.parametrize("recurrence", [R.ONGOING, R.YEARLY])
    def test_without_a_start_one_unit(self, recurrence: Recurrence) -> None:
        assert len(occurrences(recurrence, None, d("2025-05-20"))) == 1

    @settings(max_examples=200, deadline=None)
    @given(
        recurrence=st.sampled_from(list(Recurrence)),
        start=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
        days=st.integers(0, 4000),
    )
    def test_units_lie_between_start_and_due_in_order(self, recurrence: Recurrence, start: date, days: int) -> None:
        due = date.fromordinal(start.toordinal() + days)
        found = occurrences(recurrence, start, due)
        assert found, "every task has at least one unit"
        assert [o.due_date for o in found] == sorted(o.due_date for o in found)
        assert len({o.period for o in found}) == len(found)
        assert found[-1].due_date == due or recurrence is R.YEARLY
        assert all(start <= o.due_date <= due for o in found) or recurrence is R.ONGOING
        assert all(o.due_date <= due for o in found)


def node(i: int, parent: int | None = None, status: S = S.PLANNED, due: str = "2025-03-31", **kw: object) -> PlanNode:
    return PlanNode(i, parent, status, kw.pop("start", d("2025-01-01")), d(due), kw.pop("rec", R.ONCE))  # type: ignore[arg-type]


class TestLeaves:
    def test_only_leaves_in_the_plan_are_measured(self) -> None:
        nodes = [
            node(1),  # activity A with a1 and a cancelled a2
            node(2, 1),
            node(3, 1, S.CANCELLED),
            node(4),  # activity B whose only subtask was cancelled: measured itself
            node(5, 4, S.CANCELLED),
            node(6, None, S.CANCELLED),  # a cancelled activity and its cancelled task
            node(7, 6, S.CANCELLED),
        ]
        assert in_plan_leaves(nodes) == ({1, 2, 4}, {2, 4})
        rows = plan_rows(nodes)
        assert [(r.task_id, r.measured) for r in rows] == [(1, False), (2, True), (4, True)]

    def test_a_recurring_leaf_is_measured_per_occurrence(self) -> None:
        rows = plan_rows([node(1), node(2, 1, start=d("2025-01-01"), due="2025-12-31", rec=R.ONGOING)])
        assert [(r.task_id, r.occurrence, r.measured) for r in rows] == [
            (1, "", False),
            (2, "", False),
            (2, "2025Q1", True),
            (2, "2025Q2", True),
            (2, "2025Q3", True),
            (2, "2025Q4", True),
        ]

    def test_a_recurring_parent_is_measured_through_its_subtasks(self) -> None:
        rows = plan_rows([node(1, rec=R.YEARLY, due="2025-12-31"), node(2, 1)])
        assert [(r.task_id, r.occurrence, r.measured) for r in rows] == [(1, "", False), (2, "", True)]


class TestUnits:
    def test_a_hand_built_plan_with_an_ongoing_activity(self) -> None:
        """As of 2025-07-15: one-off 10 done on time, 11 done late, 12 open, 13 cancelled after
        approval (on 2025-05-01); ongoing 14 over 2025 with Q1 reported on time, Q2 reported late,
        Q3 and Q4 not due. Due 6, on time 2, late 2, overdue 2 (one cancelled): 66.67 %."""
        rows = [
            PlanRow(10, "", None, d("2025-03-31"), R.ONCE, True),
            PlanRow(11, "", None, d("2025-03-31"), R.ONCE, True),
            PlanRow(12, "", None, d("2025-06-30"), R.ONCE, True),
            PlanRow(13, "", None, d("2025-04-30"), R.ONCE, True),
            PlanRow(14, "", None, d("2025-12-31"), R.ONGOING, False),
            *(
                PlanRow(14, o.period, None, o.due_date, R.ONGOING, True)
                for o in occurrences(R.ONGOING, d("2025-01-01"), d("2025-12-31"))
            ),
        ]
        live = {
            10: LiveState(S.DONE, d("2025-03-30")),
            11: LiveState(S.DONE, d("2025-04-05")),
            12: LiveState(S.IN_PROGRESS),
            13: LiveState(S.CANCELLED, None, d("2025-05-01")),
            14: LiveState(S.DONE, d("2025-07-01")),  # closing it does not confirm any quarter
        }
        reports = {(14, "2025Q1"): d("2025-03-28"), (14, "2025Q2"): d("2025-07-10")}
        result = compute_execution(unit_facts(rows, live, reports), d("2025-07-15"))
        assert (result.due, result.completed_on_time, result.completed_late, result.overdue) == (6, 2, 2, 2)
        assert result.cancelled_after_approval == 1
        assert result.execution_pct == Decimal("66.67")
        # As of 2025-04-30 the Q2 report was in the future: due 4 (10, 11, 13, Q1).
        early = compute_execution(unit_facts(rows, live, reports), d("2025-04-30"))
        assert (early.due, early.completed_on_time, early.completed_late, early.overdue) == (4, 2, 1, 1)
        assert early.cancelled_after_approval == 1


class TestVersionInForce:
    V1 = VersionRef(11, 1, d("2025-02-01"))
    V2 = VersionRef(12, 2, d("2025-07-15"))
    V3 = VersionRef(13, 3, d("2025-07-15"))

    def test_never_approved(self) -> None:
        assert version_in_force([], d("2025-05-01")) is None

    @pytest.mark.parametrize(
        ("as_of", "number"),
        [("2024-12-31", 1), ("2025-02-01", 1), ("2025-07-14", 1), ("2025-07-15", 3), ("2026-01-01", 3)],
    )
    def test_latest_effective_on_the_day_else_the_first(self, as_of: str, number: int) -> None:
        found = version_in_force([self.V1, self.V2, self.V3], d(as_of))
        assert found is not None and found.number == number
