"""All SQL of questionnaires and their history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.common import insert_ignoring_conflicts
from survey_api.models import Questionnaire, QuestionnaireChange, utcnow


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

    async def list(
        self, *, limit: int, after: tuple[str, int] | None, code: str | None, owner: str | None = None
    ) -> list[Questionnaire]:
        query = select(Questionnaire)
        if code is not None:
            query = query.where(Questionnaire.code == code)
        if owner is not None:
            query = query.where(Questionnaire.owner == owner)
        if after is not None:
            query = query.where(tuple_(Questionnaire.code, Questionnaire.version) > after)
        query = query.order_by(Questionnaire.code, Questionnaire.version).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def insert_if_absent(self, values: dict[str, Any]) -> bool:
        """Insert a version unless (code, version) exists: safe when replicas start together. True when
        this call inserted it."""
        now = utcnow()
        dialect = self.session.get_bind().dialect.name
        statement = insert_ignoring_conflicts(dialect, Questionnaire.__table__, ["code", "version"])
        statement = statement.values(created_at=now, updated_at=now, revision=1, **values).returning(Questionnaire.id)
        return (await self.session.execute(statement)).first() is not None

    async def update_if_unchanged(self, row: Questionnaire, *, where: dict[str, Any], values: dict[str, Any]) -> bool:
        """``UPDATE … WHERE id = :id AND <where>`` (compare-and-set: the check and the write are one
        statement, so of two concurrent writers exactly one succeeds). On success ``row`` is reloaded;
        False when ``where`` no longer held."""
        checks = [getattr(Questionnaire, name) == value for name, value in where.items()]
        statement = (
            update(Questionnaire)
            .where(Questionnaire.id == row.id, *checks)
            .values(**values, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(statement)
        await self.session.refresh(row)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def history(self, code: str) -> Sequence[QuestionnaireChange]:
        query = (
            select(QuestionnaireChange)
            .where(QuestionnaireChange.questionnaire_code == code)
            .order_by(QuestionnaireChange.id)
        )
        return list((await self.session.execute(query)).scalars())

    def add(self, row: Questionnaire | QuestionnaireChange) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
