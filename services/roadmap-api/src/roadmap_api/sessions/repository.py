"""All SQL of strategic sessions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import (
    BallotPoints,
    Participant,
    ParticipantEvaluation,
    SessionBallot,
    SessionProject,
    SessionSection,
    StrategicSession,
    WorkingGroup,
)

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
