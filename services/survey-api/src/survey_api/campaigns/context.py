"""What response ingestion and aggregates need to know about a campaign, cached per process.

Ingestion is the hot path: a kiosk batch or a single response should cost one INSERT, not three
look-ups first. A campaign's questionnaire version and org units never change after creation;
only its status, end date, purpose and minimum sample do, so a short TTL (``SURVEY_CAMPAIGN_CACHE_TTL_S``)
bounds how long another replica may keep accepting responses for a campaign closed elsewhere. The
replica that makes a change invalidates its own entry at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.campaigns.repository import CampaignRepository
from survey_api.common import lineage_of, zone
from survey_api.questionnaires.repository import QuestionnaireRepository
from survey_api.questionnaires.rules import QuestionnaireDefinition, QuestionType
from survey_api.questionnaires.service import definition_of
from survey_api.questionnaires.standard import SATISFACTION_QUESTION_CODE
from survey_api.responses.answers import AnswerPlan
from zdrav_shared.db import Database

SATISFACTION_SLOTS = 5
"""Satisfaction questions with their own column (``sat1`` … ``sat5``) for per-question shares."""


@dataclass(frozen=True, slots=True)
class DeployedUnit:
    code: str
    path: str
    lineage: tuple[str, ...]
    zone: tzinfo


@dataclass(frozen=True, slots=True)
class CampaignContext:
    id: int
    code: str
    status: str
    starts_on: date
    ends_on: date
    channels: frozenset[str]
    purpose: str
    minimum_sample: int
    definition: QuestionnaireDefinition
    satisfaction_codes: tuple[str, ...]
    units: dict[str, DeployedUnit]
    answer_plan: AnswerPlan

    def lineage_of(self, code: str) -> tuple[str, ...] | None:
        """The lineage of ``code`` if it is a deployed unit or one of their ancestors."""
        for unit in self.units.values():
            if code in unit.lineage:
                return unit.lineage[: unit.lineage.index(code) + 1]
        return None


def satisfaction_codes(definition: QuestionnaireDefinition) -> tuple[str, ...]:
    """The satisfaction questions stored in ``sat1`` … ``sat5``; ``q1_process`` (the one behind the
    satisfaction share) first when present, else the first satisfaction question."""
    codes = [q.code for q in definition.questions if q.type is QuestionType.SATISFACTION5]
    if SATISFACTION_QUESTION_CODE in codes:
        codes.remove(SATISFACTION_QUESTION_CODE)
        codes.insert(0, SATISFACTION_QUESTION_CODE)
    return tuple(codes[:SATISFACTION_SLOTS])


class CampaignCache:
    def __init__(self, ttl_s: float, default_timezone: str) -> None:
        self.ttl_s = ttl_s
        self.default_timezone = default_timezone
        self._entries: dict[str, tuple[float, CampaignContext]] = {}
        self._definitions: dict[int, tuple[QuestionnaireDefinition, AnswerPlan]] = {}

    async def get(self, session: AsyncSession, code: str) -> CampaignContext | None:
        cached = self._fresh(code)
        if cached is not None:
            return cached
        context = await self._load(session, code)
        if context is not None:
            self._entries[code] = (time.monotonic() + self.ttl_s, context)
        return context

    async def get_from(self, database: Database, code: str) -> CampaignContext | None:
        """Like :meth:`get` for a caller that holds no session (ingestion): a short session of its own
        is opened only on a miss."""
        cached = self._fresh(code)
        if cached is not None:
            return cached
        async with database.sessionmaker() as session:
            return await self.get(session, code)

    def _fresh(self, code: str) -> CampaignContext | None:
        cached = self._entries.get(code)
        return cached[1] if cached is not None and cached[0] > time.monotonic() else None

    def invalidate(self, code: str) -> None:
        self._entries.pop(code, None)

    async def _load(self, session: AsyncSession, code: str) -> CampaignContext | None:
        repo = CampaignRepository(session)
        campaign = await repo.get(code)
        if campaign is None:
            return None
        cached = self._definitions.get(campaign.questionnaire_id)
        if cached is None:
            row = await QuestionnaireRepository(session).get_by_id(campaign.questionnaire_id)
            if row is None:  # pragma: no cover - a foreign key keeps it
                return None
            # Campaigns only use published versions, which never change: cache them, and the answer
            # plan compiled from them, for good.
            definition = definition_of(row)
            plan = AnswerPlan(definition, satisfaction_codes(definition))
            cached = self._definitions.setdefault(campaign.questionnaire_id, (definition, plan))
        definition, plan = cached
        units = {
            u.org_unit_code: DeployedUnit(
                code=u.org_unit_code,
                path=u.org_unit_path,
                lineage=tuple(lineage_of(u.org_unit_path)),
                zone=zone(u.timezone, self.default_timezone),
            )
            for u in await repo.units(campaign.id)
        }
        return CampaignContext(
            id=campaign.id,
            code=campaign.code,
            status=campaign.status,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            channels=frozenset(campaign.channels),
            purpose=campaign.purpose,
            minimum_sample=campaign.minimum_sample,
            definition=definition,
            satisfaction_codes=plan.satisfaction_codes,
            units=units,
            answer_plan=plan,
        )
