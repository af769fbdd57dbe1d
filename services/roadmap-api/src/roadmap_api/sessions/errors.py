from __future__ import annotations

from roadmap_api.sessions.rules import BallotOutsideWindow, DuplicateBallot, VotingError
from zdrav_shared.problems import Conflict, NotFound, ProblemError, Unprocessable


class SessionNotFound(NotFound):
    slug = "strategic-session-not-found"
    title = "Strategic session not found"

    def __init__(self, session_id: int) -> None:
        super().__init__(f"there is no strategic session {session_id}", session_id=session_id)


class SessionPartNotFound(NotFound):
    slug = "strategic-session-part-not-found"
    title = "Not part of this strategic session"


class BallotConflict(Conflict):
    slug = "ballot-conflict"
    title = "The ballot cannot be accepted"


class AlreadySelected(Conflict):
    slug = "project-already-selected"
    title = "The project is already selected"


def duplicate_ballot(participant_id: int, section_code: str) -> BallotConflict:
    return BallotConflict(
        f"participant {participant_id} has already voted in section {section_code}; one ballot per section",
        reason=DuplicateBallot.code,
    )


def translate(error: VotingError) -> ProblemError:
    """Window and duplicate refusals are 409 (the state of the vote); a malformed ballot is 422."""
    if isinstance(error, BallotOutsideWindow | DuplicateBallot):
        return BallotConflict(str(error), reason=error.code)
    return Unprocessable(str(error), pointer="/points", reason=error.code)
