from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_api.tasks.rules import (
    CompletionDateInFuture,
    CompletionDateNotAllowed,
    CompletionDateRequired,
    FieldChange,
    IllegalRoadmapTransition,
    IllegalTaskTransition,
    InvalidDateRange,
    RoadmapStatus,
    TaskCycle,
    TaskLevel,
    TaskStatus,
    TaskTreeTooDeep,
    ancestors,
    depth_of,
    diff,
    level_under,
    validate_completion,
    validate_dates,
    validate_move,
    validate_roadmap_transition,
    validate_status_change,
    would_create_cycle,
)

# activity A1 → task T1 → subtask S1; activity A2 → task T2; activity A3 alone
TREE: dict[str, str | None] = {
    "A1": None,
    "T1": "A1",
    "S1": "T1",
    "A2": None,
    "T2": "A2",
    "A3": None,
}
TODAY = date(2025, 6, 1)


class TestTree:
    def test_ancestors_and_depth(self) -> None:
        assert ancestors("S1", TREE) == ["T1", "A1"]
        assert depth_of("S1", TREE) == 3
        assert depth_of("A1", TREE) == 1

    @pytest.mark.parametrize(
        ("task", "new_parent", "cycle"),
        [
            ("A1", "A1", True),
            ("A1", "S1", True),
            ("A1", "T1", True),
            ("T1", "S1", True),
            ("T1", "A2", False),
            ("S1", "T2", False),
            ("S1", None, False),
        ],
    )
    def test_would_create_cycle(self, task: str, new_parent: str | None, cycle: bool) -> None:
        assert would_create_cycle(task, new_parent, TREE) is cycle

    def test_cycle_check_terminates_on_corrupt_data(self) -> None:
        corrupt = {"x": "y", "y": "x", "z": None}
        assert would_create_cycle("z", "x", corrupt) is False
        assert would_create_cycle("x", "y", corrupt) is True

    def test_integer_ids(self) -> None:
        assert would_create_cycle(1, 3, {1: None, 2: 1, 3: 2}) is True

    def test_level_under(self) -> None:
        assert level_under(None) is TaskLevel.ACTIVITY
        assert level_under(TaskLevel.ACTIVITY) is TaskLevel.TASK
        assert level_under(TaskLevel.TASK) is TaskLevel.SUBTASK
        with pytest.raises(TaskTreeTooDeep):
            level_under(TaskLevel.SUBTASK)

    def test_subtask_cannot_have_children(self) -> None:
        with pytest.raises(TaskTreeTooDeep):
            validate_move("A3", "S1", TREE)

    def test_move_counts_the_whole_subtree(self) -> None:
        # A1 has two levels below it; under T2 it would reach depth 5.
        with pytest.raises(TaskTreeTooDeep) as info:
            validate_move("A1", "T2", TREE)
        assert info.value.depth == 5
        # T1 (with S1) fits under A2: T1 becomes a task again, S1 a subtask.
        assert validate_move("T1", "A2", TREE) is TaskLevel.TASK
        assert validate_move("T1", None, TREE) is TaskLevel.ACTIVITY

    def test_move_into_own_subtree_is_a_cycle(self) -> None:
        with pytest.raises(TaskCycle):
            validate_move("A1", "S1", TREE)

    @settings(max_examples=100, deadline=None)
    @given(st.data())
    def test_accepted_moves_never_create_cycles(self, data: st.DataObject) -> None:
        # Random forests built by giving each node an earlier node (or nothing) as parent.
        size = data.draw(st.integers(1, 12))
        parent_of: dict[int, int | None] = {
            n: data.draw(st.none() | st.integers(0, n - 1)) if n else None for n in range(size)
        }
        task = data.draw(st.integers(0, size - 1))
        new_parent = data.draw(st.none() | st.integers(0, size - 1))
        moved = {**parent_of, task: new_parent}
        closes_loop = task in [new_parent, *ancestors(new_parent, moved)] if new_parent is not None else False
        assert would_create_cycle(task, new_parent, parent_of) is closes_loop


class TestDates:
    def test_due_before_start_is_refused(self) -> None:
        with pytest.raises(InvalidDateRange):
            validate_dates(date(2025, 3, 2), date(2025, 3, 1))

    def test_same_day_and_missing_start_are_fine(self) -> None:
        validate_dates(date(2025, 3, 1), date(2025, 3, 1))
        validate_dates(None, date(2025, 3, 1))


S = TaskStatus
# CONTRACT.md: any status directly from planned or in_progress; done and cancelled reopen to
# in_progress only.
ALLOWED = {
    (S.PLANNED, S.IN_PROGRESS),
    (S.PLANNED, S.DONE),
    (S.PLANNED, S.CANCELLED),
    (S.IN_PROGRESS, S.PLANNED),
    (S.IN_PROGRESS, S.DONE),
    (S.IN_PROGRESS, S.CANCELLED),
    (S.DONE, S.IN_PROGRESS),
    (S.CANCELLED, S.IN_PROGRESS),
}


class TestStatus:
    @pytest.mark.parametrize("current", list(TaskStatus))
    @pytest.mark.parametrize("new", list(TaskStatus))
    def test_transition_matrix(self, current: TaskStatus, new: TaskStatus) -> None:
        if current == new or (current, new) in ALLOWED:
            validate_status_change(current, new)
        else:
            with pytest.raises(IllegalTaskTransition) as info:
                validate_status_change(current, new)
            assert info.value.code == "illegal_task_transition"

    def test_done_requires_completed_on(self) -> None:
        with pytest.raises(CompletionDateRequired):
            validate_completion(S.DONE, None, today=TODAY)

    def test_completed_on_may_be_today_not_tomorrow(self) -> None:
        validate_completion(S.DONE, TODAY, today=TODAY)
        with pytest.raises(CompletionDateInFuture):
            validate_completion(S.DONE, date(2025, 6, 2), today=TODAY)

    @pytest.mark.parametrize("status", [S.PLANNED, S.IN_PROGRESS, S.CANCELLED])
    def test_completed_on_only_for_done(self, status: TaskStatus) -> None:
        validate_completion(status, None, today=TODAY)
        with pytest.raises(CompletionDateNotAllowed):
            validate_completion(status, TODAY, today=TODAY)


R = RoadmapStatus


class TestRoadmapStatus:
    @pytest.mark.parametrize(
        ("current", "new"),
        [(R.DRAFT, R.APPROVED), (R.APPROVED, R.IN_PROGRESS), (R.IN_PROGRESS, R.COMPLETED), (R.COMPLETED, R.SCALED)],
    )
    def test_forward_steps(self, current: RoadmapStatus, new: RoadmapStatus) -> None:
        validate_roadmap_transition(current, new)

    @pytest.mark.parametrize(
        ("current", "new"),
        [
            (R.DRAFT, R.IN_PROGRESS),
            (R.DRAFT, R.COMPLETED),
            (R.APPROVED, R.DRAFT),
            (R.COMPLETED, R.IN_PROGRESS),
            (R.COMPLETED, R.COMPLETED),
            (R.DRAFT, R.DRAFT),
            (R.IN_PROGRESS, R.SCALED),
            (R.SCALED, R.COMPLETED),
            (R.APPROVED, R.APPROVED),
        ],
    )
    def test_illegal_steps(self, current: RoadmapStatus, new: RoadmapStatus) -> None:
        with pytest.raises(IllegalRoadmapTransition) as info:
            validate_roadmap_transition(current, new)
        assert (info.value.current, info.value.new) == (current, new)
        assert str(current) in str(info.value)


class TestDiff:
    def test_changed_added_removed_in_order(self) -> None:
        before = {"title": "Старое", "status": "planned", "due_date": date(2025, 3, 1), "note": "x"}
        after = {"title": "Новое", "status": "planned", "due_date": date(2025, 4, 1), "responsible": "МЗ"}
        assert diff(before, after) == [
            FieldChange("title", "Старое", "Новое"),
            FieldChange("due_date", date(2025, 3, 1), date(2025, 4, 1)),
            FieldChange("note", "x", None),
            FieldChange("responsible", None, "МЗ"),
        ]

    def test_equal_values_are_no_change(self) -> None:
        assert diff({"amount": Decimal("1.0")}, {"amount": Decimal("1.00")}) == []

    def test_ignored_fields(self) -> None:
        before = {"status": "planned", "updated_at": 1}
        after = {"status": "in_progress", "updated_at": 2}
        assert diff(before, after, ignore={"updated_at"}) == [FieldChange("status", "planned", "in_progress")]
