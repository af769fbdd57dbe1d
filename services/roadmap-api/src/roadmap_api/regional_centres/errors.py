from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class CentreNotFound(NotFound):
    slug = "regional-centre-not-found"
    title = "Regional centre not found"

    def __init__(self, centre_id: int) -> None:
        super().__init__(f"there is no regional centre {centre_id}", centre_id=centre_id)


class MemberNotFound(NotFound):
    slug = "regional-centre-member-not-found"
    title = "Member not found"


class CentreExists(Conflict):
    slug = "regional-centre-exists"
    title = "The region already has a regional centre"
