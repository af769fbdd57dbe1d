"""Strategic sessions (стратегические сессии): ballots, section results and participant assessments.

Voting happens per section (the Krasnoyarsk session had three sections with separate winners).
A section votes either by ``points`` (each ballot spreads points over projects, within a per-ballot
total and a per-project cap) or by ``single_choice`` (one project per ballot, worth one vote).

Decisions:

* The voting window is half-open, ``[opens_at, closes_at)``: a ballot cast exactly at
  ``closes_at`` is late. Datetimes must be timezone-aware (UTC in storage, DESIGN §3).
* Ranks are standard competition ranks ("1224"): equal totals share a rank and the next rank
  skips. Every project sharing the top total is a winner — a tie for first gives joint winners, as
  in the Krasnoyarsk session ("одинаковое число баллов"). A section with no points has no winner.
* A section picks its ``top_n`` best (1 by default; the youth session picked the best 3): the
  winners are the projects ranked ``1 … top_n`` that got any points. A tie across the cut keeps
  every tied project (ranks "1 2 3 3" with ``top_n`` 3 give four winners) and is reported as
  ``tie_at_cutoff`` — the organisers decide, the count does not silently drop one. Every group of
  projects sharing a rank with points is listed in ``ties``.
* A participant's overall assessment is the plain mean of their per-role means by default, so one
  moderator's score weighs as much as all peers' scores together (peers are many, moderators one);
  pass ``role_weights`` for a weighted mean of the role means. A participant may not assess
  themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class VotingMode(StrEnum):
    """How a section's ballots are filled."""

    POINTS = "points"
    SINGLE_CHOICE = "single_choice"


class EvaluatorRole(StrEnum):
    """Who assessed a participant (модераторы, наблюдатели, организаторы, сами участники)."""

    MODERATOR = "moderator"
    OBSERVER = "observer"
    ORGANISER = "organiser"
    PEER = "peer"


DEFAULT_MAX_POINTS_PER_PROJECT = 100
"""A points section that sets no ``max_points_per_project`` still has one: without it a single
ballot of 9 223 372 036 854 775 807 points would outvote the whole section."""
MAX_POINTS_PER_PROJECT = 1000
"""The highest per-project maximum a section may set, and so the most points a ballot may give any
project whatever its section (its request model refuses more before the section is read)."""


@dataclass(frozen=True, slots=True)
class SectionVoting:
    """A section's voting configuration and the projects on its ballot."""

    section_code: str
    project_codes: frozenset[str]
    mode: VotingMode
    opens_at: datetime
    closes_at: datetime
    max_total_points: int | None = None
    max_points_per_project: int | None = None
    top_n: int = 1

    def __post_init__(self) -> None:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        if self.top_n < 1:
            raise ValueError("top_n must be at least 1")


@dataclass(frozen=True, slots=True)
class Ballot:
    """One participant's ballot in one section; a single-choice ballot gives one project 1 point."""

    participant_id: str
    section_code: str
    points: Mapping[str, int]
    cast_at: datetime

    @classmethod
    def single_choice(cls, participant_id: str, section_code: str, project: str, cast_at: datetime) -> Ballot:
        """Build a single-choice ballot for ``project``."""
        return cls(participant_id, section_code, {project: 1}, cast_at)


# -- errors -----------------------------------------------------------------------------------


class VotingError(Exception):
    """Base of every ballot refusal; ``code`` is a stable machine-readable slug."""

    code = "ballot_rejected"


class BallotOutsideWindow(VotingError):
    """The ballot was cast before the window opened or at/after it closed."""

    code = "ballot_outside_window"

    def __init__(self, cast_at: datetime, opens_at: datetime, closes_at: datetime) -> None:
        super().__init__(f"voting is open from {opens_at} until (not including) {closes_at}; got {cast_at}")
        self.cast_at, self.opens_at, self.closes_at = cast_at, opens_at, closes_at


class DuplicateBallot(VotingError):
    """The participant already voted in this section."""

    code = "duplicate_ballot"

    def __init__(self, participant_id: str, section_code: str) -> None:
        super().__init__(f"participant {participant_id} has already voted in section {section_code}")
        self.participant_id, self.section_code = participant_id, section_code


class InvalidBallot(VotingError):
    """The ballot's content breaks the section's rules (``reason`` says which)."""

    code = "invalid_ballot"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidEvaluation(Exception):
    """An assessment score is outside the scale, or a participant assessed themselves."""

    code = "invalid_evaluation"


# -- ballots ----------------------------------------------------------------------------------


def validate_ballot(section: SectionVoting, ballot: Ballot, voted: Collection[str]) -> None:
    """Raise a :class:`VotingError` unless ``ballot`` may be accepted in ``section``.

    ``voted`` holds the ids of participants who already have a ballot in this section. Checks run
    from the cheapest to explain: section, window, duplicate, content.
    """
    if ballot.section_code != section.section_code:
        raise InvalidBallot(f"ballot is for section {ballot.section_code}, not {section.section_code}")
    if not section.opens_at <= ballot.cast_at < section.closes_at:
        raise BallotOutsideWindow(ballot.cast_at, section.opens_at, section.closes_at)
    if ballot.participant_id in voted:
        raise DuplicateBallot(ballot.participant_id, section.section_code)
    unknown = sorted(set(ballot.points) - section.project_codes)
    if unknown:
        raise InvalidBallot(f"projects not in section {section.section_code}: {', '.join(unknown)}")
    if any(p < 0 for p in ballot.points.values()):
        raise InvalidBallot("points must not be negative")
    given = {project: p for project, p in ballot.points.items() if p > 0}
    if section.mode is VotingMode.SINGLE_CHOICE:
        if list(given.values()) != [1]:
            raise InvalidBallot("a single-choice ballot names exactly one project")
        return
    if not given:
        raise InvalidBallot("a points ballot gives at least one point")
    cap = section.max_points_per_project or DEFAULT_MAX_POINTS_PER_PROJECT
    if max(given.values()) > cap:
        raise InvalidBallot(f"at most {cap} points per project")
    limit = section.max_total_points
    if limit is not None and sum(given.values()) > limit:
        raise InvalidBallot(f"at most {limit} points per ballot, got {sum(given.values())}")


def accept_ballots(section: SectionVoting, ballots: Iterable[Ballot]) -> tuple[list[Ballot], list[VotingError]]:
    """Validate ballots in arrival order: the first ballot of a participant wins, later ones fail.

    Returns the accepted ballots and one error per rejected ballot, in order.
    """
    accepted: list[Ballot] = []
    rejected: list[VotingError] = []
    voted: set[str] = set()
    for ballot in ballots:
        try:
            validate_ballot(section, ballot, voted)
        except VotingError as error:
            rejected.append(error)
        else:
            accepted.append(ballot)
            voted.add(ballot.participant_id)
    return accepted, rejected


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    """A project's place in a section: total points, ballots that gave it points, rank."""

    project_code: str
    points: int
    ballots: int
    rank: int


@dataclass(frozen=True, slots=True)
class Tie:
    """Projects sharing one rank (with points)."""

    rank: int
    points: int
    project_codes: list[str]


@dataclass(frozen=True, slots=True)
class SectionResult:
    """Tally of a section; ``winners`` are the projects ranked within ``top_n`` (with points)."""

    section_code: str
    ballots_counted: int
    standings: list[Standing]
    winners: list[str]
    top_n: int = 1
    ties: list[Tie] = field(default_factory=list)

    @property
    def tie_for_first(self) -> bool:
        """True when more than one project shares the top total."""
        return sum(1 for s in self.standings if s.rank == 1 and s.points > 0) > 1

    @property
    def tie_at_cutoff(self) -> bool:
        """True when a tie across the ``top_n`` cut makes more winners than ``top_n``."""
        return len(self.winners) > self.top_n


def tally(section: SectionVoting, ballots: Iterable[Ballot]) -> SectionResult:
    """Totals and ranks of ``section`` from already accepted ballots.

    Ballots were validated when cast, so the window is not re-checked here (a later edit of the
    window must not change a closed vote); ballots of other sections are ignored. Every project on
    the ballot appears in the standings, with 0 if nobody chose it; standings are ordered by rank,
    then project code.
    """
    points = dict.fromkeys(section.project_codes, 0)
    supporters = dict.fromkeys(section.project_codes, 0)
    counted = 0
    for ballot in ballots:
        if ballot.section_code != section.section_code:
            continue
        counted += 1
        for project, p in ballot.points.items():
            if p > 0 and project in points:
                points[project] += p
                supporters[project] += 1
    ordered = sorted(points, key=lambda code: (-points[code], code))
    standings: list[Standing] = []
    for position, code in enumerate(ordered, start=1):
        tied_with_previous = bool(standings) and standings[-1].points == points[code]
        rank = standings[-1].rank if tied_with_previous else position
        standings.append(Standing(code, points[code], supporters[code], rank))
    winners = [s.project_code for s in standings if s.rank <= section.top_n and s.points > 0]
    by_rank: dict[int, list[Standing]] = {}
    for s in standings:
        if s.points > 0:
            by_rank.setdefault(s.rank, []).append(s)
    ties = [
        Tie(rank, group[0].points, [s.project_code for s in group]) for rank, group in by_rank.items() if len(group) > 1
    ]
    return SectionResult(section.section_code, counted, standings, winners, section.top_n, ties)


# -- participant assessments ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One score given to a participant by an evaluator acting in ``role``."""

    participant_id: str
    evaluator_id: str
    role: EvaluatorRole
    score: Decimal


@dataclass(frozen=True, slots=True)
class ParticipantAssessment:
    """A participant's mean score per role and overall (exact; round at presentation)."""

    participant_id: str
    mean_by_role: dict[EvaluatorRole, Decimal]
    overall: Decimal
    evaluations: int
    by_role_count: dict[EvaluatorRole, int] = field(default_factory=dict)


def validate_evaluation(evaluation: Evaluation, *, scale_min: Decimal, scale_max: Decimal) -> None:
    """Raise :class:`InvalidEvaluation` for a score off the scale or a self-assessment."""
    if not scale_min <= evaluation.score <= scale_max:
        raise InvalidEvaluation(f"score {evaluation.score} is outside {scale_min}–{scale_max}")
    if evaluation.evaluator_id == evaluation.participant_id:
        raise InvalidEvaluation("a participant cannot assess themselves")


def aggregate_evaluations(
    evaluations: Iterable[Evaluation],
    *,
    role_weights: Mapping[EvaluatorRole, Decimal] | None = None,
) -> list[ParticipantAssessment]:
    """Per participant: mean score per role and an overall score, ordered by participant id.

    ``overall`` is the plain mean of the role means, or with ``role_weights`` their weighted mean
    over the roles that actually assessed the participant (weights renormalised, so a missing role
    does not pull the score down). A role with weight 0 is reported but does not count.
    """
    scores: dict[str, dict[EvaluatorRole, list[Decimal]]] = {}
    for ev in evaluations:
        scores.setdefault(ev.participant_id, {}).setdefault(ev.role, []).append(ev.score)
    result: list[ParticipantAssessment] = []
    for participant in sorted(scores):
        by_role = scores[participant]
        means = {role: sum(vals, Decimal(0)) / len(vals) for role, vals in by_role.items()}
        if role_weights is None:
            overall = sum(means.values(), Decimal(0)) / len(means)
        else:
            weights = {role: role_weights.get(role, Decimal(0)) for role in means}
            total_weight = sum(weights.values(), Decimal(0))
            if total_weight <= 0:
                raise InvalidEvaluation(f"no positive weight for the roles that assessed {participant}")
            overall = sum((means[r] * w for r, w in weights.items()), Decimal(0)) / total_weight
        result.append(
            ParticipantAssessment(
                participant_id=participant,
                mean_by_role=means,
                overall=overall,
                evaluations=sum(len(v) for v in by_role.values()),
                by_role_count={role: len(vals) for role, vals in by_role.items()},
            )
        )
    return result
