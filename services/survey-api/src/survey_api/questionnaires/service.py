"""Questionnaire use cases: drafts are editable, published versions are frozen. Never commits."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import Questionnaire, utcnow
from survey_api.questionnaires.errors import (
    DraftExists,
    QuestionnaireCodeTaken,
    QuestionnaireNotFound,
    QuestionnairePublished,
)
from survey_api.questionnaires.repository import QuestionnaireRepository
from survey_api.questionnaires.rules import Question, QuestionnaireDefinition
from survey_api.questionnaires.schemas import (
    QuestionnaireCreate,
    QuestionnaireRead,
    QuestionnaireStatus,
    QuestionnaireUpdate,
)
from survey_api.questionnaires.standard import standard_questionnaire
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import validation_problem

log = get_logger(__name__)

EDITOR_ROLES = (Role.FEDERAL, Role.REGIONAL_ADMIN)


def definition_of(row: Questionnaire) -> QuestionnaireDefinition:
    """The immutable definition of a stored version."""
    return QuestionnaireDefinition.model_validate(
        {
            "code": row.code,
            "version": row.version,
            "title_ru": row.title_ru,
            "title_en": row.title_en,
            "questions": row.questions,
        }
    )


def read_of(row: Questionnaire) -> QuestionnaireRead:
    return QuestionnaireRead(
        code=row.code,
        version=row.version,
        status=QuestionnaireStatus(row.status),
        title_ru=row.title_ru,
        title_en=row.title_en,
        questions=[Question.model_validate(q) for q in row.questions],
        revision=row.revision,
        published_at=row.published_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _checked(code: str, version: int, title_ru: str, title_en: str | None, questions: list[Any]) -> None:
    """Whole-questionnaire rules (unique question codes) as a 422 with pointers."""
    try:
        QuestionnaireDefinition(code=code, version=version, title_ru=title_ru, title_en=title_en, questions=questions)
    except ValidationError as exc:
        raise validation_problem(exc.errors()) from exc


def _questions_json(questions: list[Question]) -> list[dict[str, Any]]:
    return [q.model_dump(mode="json", exclude_none=True) for q in questions]


class QuestionnaireService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = QuestionnaireRepository(session)

    async def ensure_standard(self) -> None:
        """Make ``nsi-standard`` v1 exist, published (idempotent; run at every start)."""
        standard = standard_questionnaire()
        await self.repo.insert_if_absent(
            {
                "code": standard.code,
                "version": standard.version,
                "status": QuestionnaireStatus.PUBLISHED.value,
                "title_ru": standard.title_ru,
                "title_en": standard.title_en,
                "questions": _questions_json(list(standard.questions)),
                "published_at": utcnow(),
            }
        )

    async def get(self, code: str, version: int | None = None) -> Questionnaire:
        """A version, or the latest published one (else the latest draft) without ``version``."""
        if version is not None:
            row = await self.repo.get(code, version)
        else:
            row = await self.repo.latest(code, published_only=True) or await self.repo.latest(code)
        if row is None:
            raise QuestionnaireNotFound(code, version)
        return row

    async def create(self, caller: Principal, data: QuestionnaireCreate) -> Questionnaire:
        require_role(caller, *EDITOR_ROLES)
        _checked(data.code, 1, data.title_ru, data.title_en, data.questions)
        if await self.repo.latest(data.code) is not None:
            raise QuestionnaireCodeTaken(data.code)
        row = Questionnaire(
            code=data.code,
            version=1,
            status=QuestionnaireStatus.DRAFT.value,
            title_ru=data.title_ru,
            title_en=data.title_en,
            questions=_questions_json(data.questions),
            revision=1,
        )
        self.repo.add(row)
        await self.repo.flush()
        log.info("questionnaire_created", code=row.code, by=caller.sub)
        return row

    async def new_version(self, caller: Principal, code: str) -> Questionnaire:
        """A new draft copied from the latest version."""
        require_role(caller, *EDITOR_ROLES)
        latest = await self.repo.latest(code)
        if latest is None:
            raise QuestionnaireNotFound(code)
        if latest.status == QuestionnaireStatus.DRAFT:
            raise DraftExists(code, latest.version)
        row = Questionnaire(
            code=code,
            version=latest.version + 1,
            status=QuestionnaireStatus.DRAFT.value,
            title_ru=latest.title_ru,
            title_en=latest.title_en,
            questions=list(latest.questions),
            revision=1,
        )
        self.repo.add(row)
        await self.repo.flush()
        log.info("questionnaire_version_created", code=code, version=row.version, by=caller.sub)
        return row

    async def update(
        self, caller: Principal, code: str, version: int, data: QuestionnaireUpdate, if_match: str | None
    ) -> Questionnaire:
        require_role(caller, *EDITOR_ROLES)
        row = await self.get(code, version)
        if row.status != QuestionnaireStatus.DRAFT:
            raise QuestionnairePublished(code, version)
        check_if_match(if_match, row.revision)
        changes = data.model_dump(exclude_unset=True)
        if "title_ru" in changes and data.title_ru is None:
            raise validation_problem([{"loc": ("body", "title_ru"), "msg": "title_ru cannot be removed"}])
        if "questions" in changes and data.questions is None:
            raise validation_problem([{"loc": ("body", "questions"), "msg": "questions cannot be removed"}])
        title_ru = data.title_ru if data.title_ru is not None else row.title_ru
        title_en = data.title_en if "title_en" in changes else row.title_en
        questions = (
            data.questions if data.questions is not None else [Question.model_validate(q) for q in row.questions]
        )
        _checked(code, version, title_ru, title_en, questions)
        if changes:
            row.title_ru, row.title_en, row.questions = title_ru, title_en, _questions_json(questions)
            row.revision += 1
            await self.repo.flush()
            log.info("questionnaire_updated", code=code, version=version, by=caller.sub)
        return row

    async def publish(self, caller: Principal, code: str, version: int) -> Questionnaire:
        require_role(caller, *EDITOR_ROLES)
        row = await self.get(code, version)
        if row.status == QuestionnaireStatus.PUBLISHED:
            return row
        row.status = QuestionnaireStatus.PUBLISHED.value
        row.published_at = utcnow()
        row.revision += 1
        await self.repo.flush()
        log.info("questionnaire_published", code=code, version=version, by=caller.sub)
        return row
