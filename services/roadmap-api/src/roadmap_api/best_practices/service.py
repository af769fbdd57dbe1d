"""Use cases of the best-practice catalogue. Flushes, never commits.

The catalogue is shared: everyone signed in reads all of it (sharing practices between regions is
its purpose). The method's nine health practices are owned by the federation (``RU``); a region
adds its own. Only the owner changes a practice (CONTRACT.md, "Who may change what").
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.audit.recorder import Audit
from roadmap_api.best_practices.errors import BestPracticeCodeTaken, BestPracticeNotFound
from roadmap_api.best_practices.repository import BestPracticeRepository
from roadmap_api.best_practices.schemas import BestPracticeCreate, BestPracticeUpdate, FederalProposalRead
from roadmap_api.models import BestPractice
from zdrav_shared.auth import Principal
from zdrav_shared.logging import get_logger
from zdrav_shared.ownership import default_owner, require_owner
from zdrav_shared.problems import FieldError, Unprocessable

log = get_logger(__name__)

ENTITY = "best_practice"


async def check_best_practice_codes(session: AsyncSession, codes: Sequence[str], pointer: str) -> None:
    """422 naming each code that is not in the catalogue (``pointer`` is the list's pointer)."""
    known = await BestPracticeRepository(session).existing_codes(codes)
    errors = [
        FieldError(pointer=f"{pointer}/{n}", message=f"there is no best practice {code}; see GET /v1/best-practices")
        for n, code in enumerate(codes)
        if code not in known
    ]
    if errors:
        raise Unprocessable(errors[0].message, errors=errors)


class BestPracticeService:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.repo = BestPracticeRepository(session)
        self.principal = principal
        self.audit = Audit(session, principal.sub)

    async def get(self, code: str) -> BestPractice:
        found = await self.repo.by_code(code)
        if found is None:
            raise BestPracticeNotFound(code)
        return found

    async def list_practices(self, life_situation: str | None, after_id: int | None, limit: int) -> list[BestPractice]:
        return await self.repo.list_practices(life_situation, after_id, limit)

    async def _check_life_situations(self, codes: Sequence[str]) -> None:
        known = await self.repo.existing_life_situations(codes)
        errors = [
            FieldError(pointer=f"/life_situation_codes/{n}", message=f"there is no life situation {code}")
            for n, code in enumerate(codes)
            if code not in known
        ]
        if errors:
            raise Unprocessable(errors[0].message, errors=errors)

    async def create(self, data: BestPracticeCreate) -> BestPractice:
        owner = default_owner(self.principal, data.owner)
        if await self.repo.by_code(data.code) is not None:
            raise BestPracticeCodeTaken(data.code)
        await self._check_life_situations(data.life_situation_codes)
        practice = BestPractice(
            code=data.code,
            name_ru=data.name_ru,
            regions_ru=list(data.regions_ru),
            result_ru=data.result_ru,
            life_situation_codes=list(dict.fromkeys(data.life_situation_codes)),
            url=str(data.url) if data.url else None,
            source_ru=None,
            owner=owner,
            created_by=self.principal.sub,
            version=1,
        )
        self.repo.add(practice)
        await self.repo.flush()
        self.audit.event(
            region_code=owner,
            entity=ENTITY,
            entity_id=practice.id,
            action="created",
            after=data.model_dump(mode="json"),
        )
        log.info("best_practice_created", code=practice.code, owner=owner, by=self.principal.sub)
        return practice

    async def update(self, code: str, data: BestPracticeUpdate) -> BestPractice:
        practice = await self.get(code)
        require_owner(self.principal, practice.owner, f"best practice {code}")
        changes = data.model_dump(exclude_unset=True, exclude={"reason"}, mode="json")
        for name in ("name_ru", "regions_ru", "life_situation_codes"):
            if name in changes and changes[name] is None:
                raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")
        if data.life_situation_codes is not None:
            await self._check_life_situations(data.life_situation_codes)
        before = {name: getattr(practice, name) for name in changes}
        for name, value in changes.items():
            setattr(practice, name, value)
        if self.audit.changes(
            region_code=practice.owner,
            entity=ENTITY,
            entity_id=practice.id,
            action="updated",
            before=before,
            after=changes,
            reason=data.reason,
        ):
            practice.version += 1
        await self.repo.flush()
        return practice

    async def federal_proposals(
        self, regions: Sequence[str] | None, after_id: int | None, limit: int
    ) -> list[FederalProposalRead]:
        return [
            FederalProposalRead(
                region_code=roadmap.region_code,
                roadmap_id=roadmap.id,
                roadmap_title=roadmap.title,
                roadmap_status=roadmap.status,
                life_situation=roadmap.life_situation,
                measure_id=measure.id,
                problem=measure.problem,
                solution=measure.solution,
                federal_proposals=list(measure.federal_proposals or []),
            )
            for measure, roadmap in await self.repo.federal_measures(regions, after_id, limit)
        ]
