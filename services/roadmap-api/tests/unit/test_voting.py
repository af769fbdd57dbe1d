from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_api.sessions.rules import (
    DEFAULT_MAX_POINTS_PER_PROJECT,
    Ballot,
    BallotOutsideWindow,
    DuplicateBallot,
    Evaluation,
    EvaluatorRole,
    InvalidBallot,
    InvalidEvaluation,
    SectionVoting,
    Standing,
    VotingMode,
    accept_ballots,
    aggregate_evaluations,
    tally,
    validate_ballot,
    validate_evaluation,
)

OPENS = datetime(2021, 11, 20, 15, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(hours=1)
DURING = OPENS + timedelta(minutes=10)


def points_section(**limits: int) -> SectionVoting:
    return SectionVoting("s1", frozenset({"p1", "p2", "p3"}), VotingMode.POINTS, OPENS, CLOSES, **limits)


def single_section() -> SectionVoting:
    return SectionVoting("s1", frozenset({"p1", "p2", "p3"}), VotingMode.SINGLE_CHOICE, OPENS, CLOSES)


class TestValidateBallot:
    def test_window_is_half_open(self) -> None:
        section = points_section()
        validate_ballot(section, Ballot("u1", "s1", {"p1": 3}, OPENS), voted=set())
        with pytest.raises(BallotOutsideWindow):
            validate_ballot(section, Ballot("u1", "s1", {"p1": 3}, CLOSES), voted=set())
        with pytest.raises(BallotOutsideWindow) as info:
            validate_ballot(section, Ballot("u1", "s1", {"p1": 3}, OPENS - timedelta(seconds=1)), voted=set())
        assert info.value.code == "ballot_outside_window"

    def test_second_ballot_is_refused(self) -> None:
        with pytest.raises(DuplicateBallot) as info:
            validate_ballot(points_section(), Ballot("u1", "s1", {"p1": 1}, DURING), voted={"u1"})
        assert info.value.participant_id == "u1"

    def test_ballot_for_another_section_or_project(self) -> None:
        with pytest.raises(InvalidBallot):
            validate_ballot(points_section(), Ballot("u1", "s2", {"p1": 1}, DURING), voted=set())
        with pytest.raises(InvalidBallot, match="p9"):
            validate_ballot(points_section(), Ballot("u1", "s1", {"p9": 1}, DURING), voted=set())

    def test_points_limits(self) -> None:
        section = points_section(max_total_points=10, max_points_per_project=5)
        validate_ballot(section, Ballot("u1", "s1", {"p1": 5, "p2": 5}, DURING), voted=set())
        with pytest.raises(InvalidBallot, match="per project"):
            validate_ballot(section, Ballot("u1", "s1", {"p1": 6}, DURING), voted=set())
        with pytest.raises(InvalidBallot, match="per ballot"):
            validate_ballot(section, Ballot("u1", "s1", {"p1": 5, "p2": 5, "p3": 1}, DURING), voted=set())
        with pytest.raises(InvalidBallot, match="negative"):
            validate_ballot(section, Ballot("u1", "s1", {"p1": -1, "p2": 3}, DURING), voted=set())
        with pytest.raises(InvalidBallot, match="at least one"):
            validate_ballot(section, Ballot("u1", "s1", {"p1": 0}, DURING), voted=set())

    def test_a_section_without_a_per_project_maximum_has_the_default_one(self) -> None:
        section = points_section()
        validate_ballot(section, Ballot("u1", "s1", {"p1": DEFAULT_MAX_POINTS_PER_PROJECT}, DURING), voted=set())
        for points in (DEFAULT_MAX_POINTS_PER_PROJECT + 1, 2_147_483_648, 9_223_372_036_854_775_807):
            with pytest.raises(InvalidBallot, match=f"at most {DEFAULT_MAX_POINTS_PER_PROJECT} points per project"):
                validate_ballot(section, Ballot("u1", "s1", {"p1": points}, DURING), voted=set())

    def test_single_choice(self) -> None:
        section = single_section()
        validate_ballot(section, Ballot.single_choice("u1", "s1", "p2", DURING), voted=set())
        for points in ({"p1": 1, "p2": 1}, {"p1": 2}, {}):
            with pytest.raises(InvalidBallot, match="exactly one"):
                validate_ballot(section, Ballot("u1", "s1", points, DURING), voted=set())

    def test_window_must_be_ordered(self) -> None:
        with pytest.raises(ValueError):
            SectionVoting("s", frozenset(), VotingMode.POINTS, CLOSES, OPENS)

    def test_accept_ballots_keeps_the_first_per_participant(self) -> None:
        ballots = [
            Ballot("u1", "s1", {"p1": 3}, DURING),
            Ballot("u2", "s1", {"p2": 3}, DURING),
            Ballot("u1", "s1", {"p3": 3}, DURING + timedelta(minutes=1)),
            Ballot("u3", "s1", {"p3": 3}, CLOSES),
        ]
        accepted, rejected = accept_ballots(points_section(), ballots)
        assert accepted == ballots[:2]
        assert [type(e) for e in rejected] == [DuplicateBallot, BallotOutsideWindow]


class TestTally:
    def test_competition_ranks(self) -> None:
        section = SectionVoting("s", frozenset("abcd"), VotingMode.POINTS, OPENS, CLOSES)
        ballots = [
            Ballot("u1", "s", {"a": 5, "b": 3}, DURING),
            Ballot("u2", "s", {"c": 3, "d": 1}, DURING),
            Ballot("u3", "s", {"b": 2, "c": 2}, DURING),
            Ballot("u4", "other", {"d": 100}, DURING),
        ]
        result = tally(section, ballots)
        assert result.ballots_counted == 3
        assert result.standings == [
            Standing("a", 5, 1, 1),
            Standing("b", 5, 2, 1),
            Standing("c", 5, 2, 1),
            Standing("d", 1, 1, 4),
        ]
        assert result.winners == ["a", "b", "c"]
        assert result.tie_for_first

    def test_single_winner_and_tie_for_second(self) -> None:
        section = single_section()
        ballots = [
            Ballot.single_choice(f"u{i}", "s1", project, DURING)
            for i, project in enumerate(["p1", "p1", "p1", "p2", "p3"])
        ]
        result = tally(section, ballots)
        assert result.winners == ["p1"]
        assert not result.tie_for_first
        assert [(s.project_code, s.rank) for s in result.standings] == [("p1", 1), ("p2", 2), ("p3", 2)]

    def test_no_votes_no_winner(self) -> None:
        result = tally(points_section(), [])
        assert result.winners == []
        assert all(s.points == 0 and s.rank == 1 for s in result.standings)

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.dictionaries(st.sampled_from(["p1", "p2", "p3"]), st.integers(0, 5), min_size=1), max_size=15))
    def test_winners_hold_the_top_total(self, allocations: list[dict[str, int]]) -> None:
        ballots = [Ballot(f"u{i}", "s1", a, DURING) for i, a in enumerate(allocations)]
        result = tally(points_section(), ballots)
        totals = {p: sum(a.get(p, 0) for a in allocations) for p in ["p1", "p2", "p3"]}
        top = max(totals.values())
        assert sorted(result.winners) == (sorted(p for p, t in totals.items() if t == top) if top else [])
        assert sum(s.points for s in result.standings) == sum(totals.values())


class TestKrasnoyarskSession:
    """Session 1 of «Регион & Университет»: three sections, a tie for first in one of them.

    The source gives winners but not scores, so the ballots are invented to match; the test pins
    that equal totals produce exactly the joint winners the source names.
    """

    @pytest.fixture()
    def session(self, reference_dir: Path) -> dict[str, Any]:
        data = json.loads((reference_dir / "krasnoyarsk_sessions.json").read_text(encoding="utf-8"))
        session: dict[str, Any] = data["sessions"][0]
        return session

    def test_tie_section_has_joint_winners(self, session: dict[str, Any]) -> None:
        assert session["voting"]["ties_allowed"] is True
        for printed in session["winners"]:
            winners: list[str] = printed["projects_ru"]
            others = [f"другой проект {i}" for i in range(3)]
            section = SectionVoting(
                printed["section_ru"], frozenset(winners + others), VotingMode.POINTS, OPENS, CLOSES
            )
            # Each winner gets 10 points from its own supporters; the others get fewer.
            ballots = [
                Ballot(f"{w}-fan-{i}", section.section_code, {w: 5}, DURING) for w in winners for i in range(2)
            ] + [Ballot(f"{o}-fan", section.section_code, {o: 4}, DURING) for o in others]
            result = tally(section, ballots)
            assert sorted(result.winners) == sorted(winners)
            assert result.tie_for_first is printed["tie"]
        tied = [w for w in session["winners"] if w["tie"]]
        assert [len(w["projects_ru"]) for w in tied] == [2]
        assert sum(len(w["projects_ru"]) for w in session["winners"]) == 4


class TestEvaluations:
    def ev(self, participant: str, evaluator: str, role: EvaluatorRole, score: str) -> Evaluation:
        return Evaluation(participant, evaluator, role, Decimal(score))

    def test_plain_mean_of_role_means(self) -> None:
        R = EvaluatorRole
        evaluations = [
            self.ev("anna", "mod", R.MODERATOR, "8"),
            self.ev("anna", "obs", R.OBSERVER, "6"),
            self.ev("anna", "p1", R.PEER, "10"),
            self.ev("anna", "p2", R.PEER, "9"),
            self.ev("anna", "p3", R.PEER, "8"),
            self.ev("boris", "org", R.ORGANISER, "7"),
        ]
        anna, boris = aggregate_evaluations(evaluations)
        assert anna.participant_id == "anna"
        assert anna.mean_by_role == {R.MODERATOR: Decimal(8), R.OBSERVER: Decimal(6), R.PEER: Decimal(9)}
        # Mean of role means (8 + 6 + 9) / 3, not the mean of all five scores (8.2).
        assert anna.overall == Decimal(23) / 3
        assert anna.evaluations == 5
        assert anna.by_role_count[R.PEER] == 3
        assert boris.overall == Decimal(7)

    def test_weighted_mean_renormalises_over_present_roles(self) -> None:
        R = EvaluatorRole
        weights = {R.MODERATOR: Decimal(3), R.OBSERVER: Decimal(1), R.ORGANISER: Decimal(1), R.PEER: Decimal(1)}
        evaluations = [self.ev("anna", "mod", R.MODERATOR, "8"), self.ev("anna", "p1", R.PEER, "4")]
        (anna,) = aggregate_evaluations(evaluations, role_weights=weights)
        assert anna.overall == Decimal(7)  # (3×8 + 1×4) / 4

    def test_zero_weights_for_all_present_roles_is_an_error(self) -> None:
        with pytest.raises(InvalidEvaluation):
            aggregate_evaluations(
                [self.ev("anna", "p1", EvaluatorRole.PEER, "4")],
                role_weights={EvaluatorRole.MODERATOR: Decimal(1)},
            )

    def test_validate_evaluation(self) -> None:
        scale = {"scale_min": Decimal(1), "scale_max": Decimal(10)}
        validate_evaluation(self.ev("anna", "mod", EvaluatorRole.MODERATOR, "10"), **scale)
        with pytest.raises(InvalidEvaluation, match="outside"):
            validate_evaluation(self.ev("anna", "mod", EvaluatorRole.MODERATOR, "11"), **scale)
        with pytest.raises(InvalidEvaluation, match="themselves"):
            validate_evaluation(self.ev("anna", "anna", EvaluatorRole.PEER, "5"), **scale)
