"""All SQL of strategic sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import (
    BallotPoints,
    Participant,
    ParticipantEvaluation,
    SessionBallot,
    SessionProject,
    SessionSection,
    SessionToken,
    StrategicSession,
    WorkingGroup,
)
from roadmap_api.sessions.pipeline import SELECTED_STATUSES

SELECTED_VALUES = sorted(s.value for s in SELECTED_STATUSES)

M = TypeVar("M", SessionSection, WorkingGroup, Participant, SessionProject, ParticipantEvaluation)


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, session_id: int) -> StrategicSession | None:
        return await self.session.get(StrategicSession, session_id)

    async def list_sessions(
        self, regions: Sequence[str] | None, after_id: int | None, limit: int
    ) -> list[StrategicSession]:
        query = select(StrategicSession)
        if regions is not None:
            query = query.where(StrategicSession.region_code.in_(list(regions)))
        if after_id is not None:
            query = query.where(StrategicSession.id > after_id)
        return list((await self.session.execute(query.order_by(StrategicSession.id).limit(limit))).scalars())

    async def parts(self, model: type[M], session_id: int) -> list[M]:
        """Sections, groups, participants, projects or evaluations of a session, by id."""
        result = await self.session.execute(select(model).where(model.session_id == session_id).order_by(model.id))
        return list(result.scalars())

    async def part(self, model: type[M], session_id: int, part_id: int) -> M | None:
        found = await self.session.get(model, part_id)
        return found if found is not None and found.session_id == session_id else None

    async def section_by_code(self, session_id: int, code: str) -> SessionSection | None:
        result = await self.session.execute(
            select(SessionSection).where(SessionSection.session_id == session_id, SessionSection.code == code)
        )
        return result.scalar_one_or_none()

    async def project_by_code(self, session_id: int, code: str) -> SessionProject | None:
        result = await self.session.execute(
            select(SessionProject).where(SessionProject.session_id == session_id, SessionProject.code == code)
        )
        return result.scalar_one_or_none()

    async def section_projects(self, section_id: int) -> list[SessionProject]:
        result = await self.session.execute(
            select(SessionProject).where(SessionProject.section_id == section_id).order_by(SessionProject.code)
        )
        return list(result.scalars())

    async def has_ballot(self, section_id: int, participant_id: int) -> bool:
        result = await self.session.execute(
            select(SessionBallot.id).where(
                SessionBallot.section_id == section_id, SessionBallot.participant_id == participant_id
            )
        )
        return result.first() is not None

    async def section_ballots(self, section_id: int) -> list[tuple[int, int, str, int]]:
        """``(ballot_id, participant_id, project_code, points)`` of every ballot of a section."""
        result = await self.session.execute(
            select(SessionBallot.id, SessionBallot.participant_id, SessionProject.code, BallotPoints.points)
            .join(BallotPoints, BallotPoints.ballot_id == SessionBallot.id)
            .join(SessionProject, SessionProject.id == BallotPoints.project_id)
            .where(SessionBallot.section_id == section_id)
            .order_by(SessionBallot.id)
        )
        return [(b, p, c, n) for b, p, c, n in result.all()]

    # -- tokens, end, figures ------------------------------------------------------------------

    async def last_close(self, session_id: int) -> datetime | None:
        """When the session's last voting window closes (None without sections)."""
        result = await self.session.execute(
            select(func.max(SessionSection.closes_at)).where(SessionSection.session_id == session_id)
        )
        value = result.scalar_one_or_none()
        if isinstance(value, str):  # SQLite may hand an aggregate back as text
            value = datetime.fromisoformat(value)
        return value

    async def token_by_hash(self, token_hash: str) -> SessionToken | None:
        result = await self.session.execute(select(SessionToken).where(SessionToken.token_hash == token_hash))
        return result.scalar_one_or_none()

    async def revoke_voting_tokens(self, session_id: int, participant_id: int, at: datetime) -> int:
        result = await self.session.execute(
            update(SessionToken)
            .where(
                SessionToken.session_id == session_id,
                SessionToken.participant_id == participant_id,
                SessionToken.kind == "voting",
                SessionToken.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def observers(self, session_id: int) -> list[SessionToken]:
        result = await self.session.execute(
            select(SessionToken)
            .where(SessionToken.session_id == session_id, SessionToken.kind == "observer")
            .order_by(SessionToken.id)
        )
        return list(result.scalars())

    async def group_categories(self, session_id: int) -> dict[int | None, list[str]]:
        """Participants' categories per working group (``None``: in no group)."""
        result = await self.session.execute(
            select(Participant.group_id, Participant.category)
            .where(Participant.session_id == session_id)
            .order_by(Participant.id)
        )
        grouped: dict[int | None, list[str]] = {}
        for group_id, category in result.all():
            grouped.setdefault(group_id, []).append(category)
        return grouped

    async def region_sessions(self, region_code: str) -> list[StrategicSession]:
        result = await self.session.execute(
            select(StrategicSession).where(StrategicSession.region_code == region_code).order_by(StrategicSession.id)
        )
        return list(result.scalars())

    async def counts(self, session_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
        """``(participants, projects, projects selected)`` per session (selected: status from
        ``selected`` on, not ``rejected``), counted in the database."""
        if not session_ids:
            return {}
        ids = list(session_ids)
        out = dict.fromkeys(ids, (0, 0, 0))
        people = await self.session.execute(
            select(Participant.session_id, func.count())
            .where(Participant.session_id.in_(ids))
            .group_by(Participant.session_id)
        )
        participants = dict(people.all())
        projects = await self.session.execute(
            select(
                SessionProject.session_id,
                func.count(),
                func.sum(case((SessionProject.status.in_(SELECTED_VALUES), 1), else_=0)),
            )
            .where(SessionProject.session_id.in_(ids))
            .group_by(SessionProject.session_id)
        )
        formed = {sid: (int(n), int(k or 0)) for sid, n, k in projects.all()}
        for sid in ids:
            n, k = formed.get(sid, (0, 0))
            out[sid] = (int(participants.get(sid, 0)), n, k)
        return out
