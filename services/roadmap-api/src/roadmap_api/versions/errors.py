"""Typed problems of roadmap versions and revisions."""

from __future__ import annotations

from zdrav_shared.problems import Conflict, NotFound


class VersionNotFound(NotFound):
    slug = "roadmap-version-not-found"
    title = "Roadmap version not found"

    def __init__(self, roadmap_id: int, number: int) -> None:
        super().__init__(f"roadmap {roadmap_id} has no version {number}", roadmap_id=roadmap_id, version=number)


class RevisionOfDraft(Conflict):
    slug = "revision-of-draft"
    title = "A draft roadmap is not revised"

    def __init__(self, roadmap_id: int) -> None:
        super().__init__(
            f"roadmap {roadmap_id} is a draft: change it directly and approve it; "
            "revisions are opened on approved roadmaps",
            reason="roadmap_not_approved",
        )


class RevisionAlreadyOpen(Conflict):
    slug = "revision-open"
    title = "A revision is already open"

    def __init__(self, roadmap_id: int, number: int) -> None:
        super().__init__(
            f"roadmap {roadmap_id} already has revision {number} open: change it and approve it "
            "(POST /v1/roadmaps/{id}/status with status approved) before opening another",
            reason="revision_open",
            version=number,
        )


class RevisionPending(Conflict):
    slug = "revision-pending"
    title = "A revision is open"

    def __init__(self, roadmap_id: int, number: int) -> None:
        super().__init__(
            f"roadmap {roadmap_id} has revision {number} open: approve it before completing the roadmap",
            reason="revision_open",
            version=number,
        )
