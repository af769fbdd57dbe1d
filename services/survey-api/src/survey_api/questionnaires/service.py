"""Questionnaire use cases: drafts are editable, published versions are frozen. Never commits.

Questionnaires are definitions with an owner (CONTRACT.md, "Who may change what"): ``nsi-standard``
and anything the federal centre makes belong to ``RU``, a region's to that region. Every write —
create, new version, edit, publish — is the owner's alone (403 naming the owner otherwise) and leaves a
row in the questionnaire's history: who, when, the version before and after, and why. Reading stays
open to every signed-in caller: a region may run a campaign on another's published questionnaire, it
just cannot change it.

Writes to an existing version are compare-and-set: the check of its revision (or status) and the
write are one ``UPDATE … WHERE``, so of two concurrent editors exactly one wins and exactly one
history row is written.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.models import Questionnaire, QuestionnaireChange, utcnow
from survey_api.questionnaires.errors import (
    DraftExists,
    QuestionnaireCodeTaken,
    QuestionnaireNotFound,
    QuestionnairePublished,
)
from survey_api.questionnaires.repository import QuestionnaireRepository
from survey_api.questionnaires.rules import Question, QuestionnaireDefinition
from survey_api.questionnaires.schemas import (
    QuestionnaireChange as QuestionnaireChangeRead,
)
from survey_api.questionnaires.schemas import (
    QuestionnaireCreate,
    QuestionnaireRead,
    QuestionnaireStatus,
    QuestionnaireUpdate,
)
from survey_api.questionnaires.standard import standard_versions
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.ownership import FEDERAL_OWNER, default_owner, require_owner
from zdrav_shared.problems import Conflict, validation_problem

log = get_logger(__name__)

EDITOR_ROLES = (Role.FEDERAL, Role.REGIONAL_ADMIN)
SYSTEM_ACTOR = "system"
"""The actor of the writes survey-api makes itself (the standard questionnaire's versions)."""
UNGUARDED_ATTEMPTS = 3
"""An edit without ``If-Match`` applies to whatever is current: it is retried this often when another
edit lands between its read and its write."""


class QuestionnaireAction:
    """The ``action`` of history rows."""

    CREATED = "created"
    VERSION_CREATED = "version_created"
    UPDATED = "updated"
    PUBLISHED = "published"


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
        owner=row.owner,
        title_ru=row.title_ru,
        title_en=row.title_en,
        questions=[Question.model_validate(q) for q in row.questions],
        revision=row.revision,
        published_at=row.published_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def snapshot(row: Questionnaire) -> dict[str, Any]:
    """A version as its history shows it (JSON)."""
    return {
        "code": row.code,
        "version": row.version,
        "status": row.status,
        "owner": row.owner,
        "title_ru": row.title_ru,
        "title_en": row.title_en,
        "questions": list(row.questions),
        "revision": row.revision,
        "published_at": row.published_at.isoformat() if row.published_at is not None else None,
    }


def change_of(row: QuestionnaireChange) -> QuestionnaireChangeRead:
    return QuestionnaireChangeRead(
        at=row.at,
        actor=row.actor,
        action=row.action,
        version=row.version,
        before=row.before,
        after=row.after,
        reason=row.reason,
    )


def _checked(code: str, version: int, title_ru: str, title_en: str | None, questions: list[Any]) -> None:
    """Whole-questionnaire rules (unique question codes, one screening question) as a 422 with pointers."""
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
        """Make every version of ``nsi-standard`` exist, published and federal-owned (idempotent; run at
        every start). A version inserted now gets its history row; an existing one is left alone."""
        for standard in standard_versions():
            definition = standard.definition
            values = {
                "code": definition.code,
                "version": definition.version,
                "status": QuestionnaireStatus.PUBLISHED.value,
                "owner": FEDERAL_OWNER,
                "title_ru": definition.title_ru,
                "title_en": definition.title_en,
                "questions": _questions_json(list(definition.questions)),
                "published_at": utcnow(),
            }
            if await self.repo.insert_if_absent(values):
                row = await self.repo.get(definition.code, definition.version)
                assert row is not None
                self._record(SYSTEM_ACTOR, QuestionnaireAction.PUBLISHED, row, None, standard.reason)
                await self.repo.flush()
                log.info("questionnaire_published", code=row.code, version=row.version, by=SYSTEM_ACTOR)

    async def get(self, code: str, version: int | None = None) -> Questionnaire:
        """A version, or the latest published one (else the latest draft) without ``version``."""
        if version is not None:
            row = await self.repo.get(code, version)
        else:
            row = await self.repo.latest(code, published_only=True) or await self.repo.latest(code)
        if row is None:
            raise QuestionnaireNotFound(code, version)
        return row

    async def history(self, code: str) -> list[QuestionnaireChangeRead]:
        """Every audited write of a questionnaire, oldest first; 404 for an unknown code."""
        await self.get(code)
        return [change_of(row) for row in await self.repo.history(code)]

    async def create(self, caller: Principal, data: QuestionnaireCreate) -> Questionnaire:
        require_role(caller, *EDITOR_ROLES)
        owner = default_owner(caller, data.owner)
        _checked(data.code, 1, data.title_ru, data.title_en, data.questions)
        if await self.repo.latest(data.code) is not None:
            raise QuestionnaireCodeTaken(data.code)
        row = Questionnaire(
            code=data.code,
            version=1,
            status=QuestionnaireStatus.DRAFT.value,
            owner=owner,
            title_ru=data.title_ru,
            title_en=data.title_en,
            questions=_questions_json(data.questions),
            revision=1,
        )
        self.repo.add(row)
        await self.repo.flush()
        self._record(caller.sub, QuestionnaireAction.CREATED, row, None, data.reason)
        await self.repo.flush()
        log.info("questionnaire_created", code=row.code, owner=owner, by=caller.sub)
        return row

    async def new_version(self, caller: Principal, code: str, reason: str | None = None) -> Questionnaire:
        """A new draft copied from the latest version."""
        require_role(caller, *EDITOR_ROLES)
        latest = await self.repo.latest(code)
        if latest is None:
            raise QuestionnaireNotFound(code)
        require_owner(caller, latest.owner, f"questionnaire {code}")
        if latest.status == QuestionnaireStatus.DRAFT:
            raise DraftExists(code, latest.version)
        row = Questionnaire(
            code=code,
            version=latest.version + 1,
            status=QuestionnaireStatus.DRAFT.value,
            owner=latest.owner,
            title_ru=latest.title_ru,
            title_en=latest.title_en,
            questions=list(latest.questions),
            revision=1,
        )
        self.repo.add(row)
        # Two callers adding the same version at once: the unique (code, version) makes one a 409.
        await self.repo.flush()
        self._record(caller.sub, QuestionnaireAction.VERSION_CREATED, row, None, reason)
        await self.repo.flush()
        log.info("questionnaire_version_created", code=code, version=row.version, by=caller.sub)
        return row

    async def update(
        self, caller: Principal, code: str, version: int, data: QuestionnaireUpdate, if_match: str | None
    ) -> Questionnaire:
        require_role(caller, *EDITOR_ROLES)
        row = await self.get(code, version)
        require_owner(caller, row.owner, f"questionnaire {code}")
        changes = data.model_dump(exclude_unset=True, exclude={"reason"})
        if "title_ru" in changes and data.title_ru is None:
            raise validation_problem([{"loc": ("body", "title_ru"), "msg": "title_ru cannot be removed"}])
        if "questions" in changes and data.questions is None:
            raise validation_problem([{"loc": ("body", "questions"), "msg": "questions cannot be removed"}])
        for _ in range(UNGUARDED_ATTEMPTS):
            if row.status != QuestionnaireStatus.DRAFT:
                raise QuestionnairePublished(code, version)
            check_if_match(if_match, row.revision)
            title_ru = data.title_ru if data.title_ru is not None else row.title_ru
            title_en = data.title_en if "title_en" in changes else row.title_en
            questions = (
                data.questions if data.questions is not None else [Question.model_validate(q) for q in row.questions]
            )
            _checked(code, version, title_ru, title_en, questions)
            if not changes:
                return row
            before = snapshot(row)
            written = await self.repo.update_if_unchanged(
                row,
                where={"revision": row.revision, "status": QuestionnaireStatus.DRAFT.value},
                values={
                    "title_ru": title_ru,
                    "title_en": title_en,
                    "questions": _questions_json(questions),
                    "revision": row.revision + 1,
                },
            )
            if written:
                self._record(caller.sub, QuestionnaireAction.UPDATED, row, before, data.reason)
                await self.repo.flush()
                log.info("questionnaire_updated", code=code, version=version, by=caller.sub)
                return row
            # Another write landed first; ``row`` now holds it. With If-Match the next check refuses.
        raise Conflict(f"{code} version {version} kept changing while it was edited; read it again and retry")

    async def publish(self, caller: Principal, code: str, version: int, reason: str | None = None) -> Questionnaire:
        require_role(caller, *EDITOR_ROLES)
        row = await self.get(code, version)
        require_owner(caller, row.owner, f"questionnaire {code}")
        if row.status == QuestionnaireStatus.PUBLISHED:
            return row
        before = snapshot(row)
        published = await self.repo.update_if_unchanged(
            row,
            where={"status": QuestionnaireStatus.DRAFT.value},
            values={
                "status": QuestionnaireStatus.PUBLISHED.value,
                "published_at": utcnow(),
                "revision": Questionnaire.revision + 1,
            },
        )
        if published:  # else a concurrent publish won: the version is published, as asked, once
            self._record(caller.sub, QuestionnaireAction.PUBLISHED, row, before, reason)
            await self.repo.flush()
            log.info("questionnaire_published", code=code, version=version, by=caller.sub)
        return row

    def _record(
        self, actor: str, action: str, row: Questionnaire, before: dict[str, Any] | None, reason: str | None
    ) -> None:
        self.repo.add(
            QuestionnaireChange(
                questionnaire_code=row.code,
                version=row.version,
                action=action,
                actor=actor,
                at=utcnow(),
                before=before,
                after=snapshot(row),
                reason=reason,
            )
        )
