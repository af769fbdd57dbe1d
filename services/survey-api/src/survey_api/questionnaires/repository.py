"""All SQL of questionnaires."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.common import insert_ignoring_conflicts
from survey_api.models import Questionnaire, utcnow


class QuestionnaireRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str, version: int) -> Questionnaire | None:
        query = select(Questionnaire).where(Questionnaire.code == code, Questionnaire.version == version)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_by_id(self, questionnaire_id: int) -> Questionnaire | None:
        return await self.session.get(Questionnaire, questionnaire_id)

    async def latest(self, code: str, *, published_only: bool = False) -> Questionnaire | None:
        query = select(Questionnaire).where(Questionnaire.code == code)
        if published_only:
            query = query.where(Questionnaire.status == "published")
        query = query.order_by(Questionnaire.version.desc()).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def list(self, *, limit: int, after: tuple[str, int] | None, code: str | None) -> list[Questionnaire]:
        query = select(Questionnaire)
        if code is not None:
            query = query.where(Questionnaire.code == code)
        if after is not None:
            query = query.where(tuple_(Questionnaire.code, Questionnaire.version) > after)
        query = query.order_by(Questionnaire.code, Questionnaire.version).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def insert_if_absent(self, values: dict[str, Any]) -> None:
        """Insert a version unless (code, version) exists: safe when replicas start together."""
        now = utcnow()
        dialect = self.session.get_bind().dialect.name
        statement = insert_ignoring_conflicts(dialect, Questionnaire.__table__, ["code", "version"])
        await self.session.execute(statement.values(created_at=now, updated_at=now, revision=1, **values))

    def add(self, questionnaire: Questionnaire) -> None:
        self.session.add(questionnaire)

    async def flush(self) -> None:
        await self.session.flush()
