"""Use cases of roadmap versions: open a revision, list the versions, read one with its plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.execution.plan import ONE_OFF, PlanRow, plan_rows
from roadmap_api.models import PlanTask, RoadmapVersion
from roadmap_api.roadmaps.service import RoadmapService, open_for_changes
from roadmap_api.tasks.rules import Recurrence, RoadmapStatus
from roadmap_api.versions.errors import RevisionAlreadyOpen, RevisionOfDraft, VersionNotFound
from roadmap_api.versions.freeze import DRAFT, kpi_snapshot, measure_snapshot
from roadmap_api.versions.repository import VersionRepository
from roadmap_api.versions.schemas import OccurrenceRead, PlanTaskRead, VersionDetail, VersionRead, VersionStatus
from zdrav_shared.auth import Principal
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow

log = get_logger(__name__)


def version_read(v: RoadmapVersion) -> VersionRead:
    return VersionRead(
        version=v.number,
        status=VersionStatus(v.status),
        reason=v.reason,
        approved_at=v.approved_at,
        approved_by=v.approved_by,
        approved_by_governor=v.approved_by_governor,
        approved_by_agency=v.approved_by_agency,
        approval_document=v.approval_document,
        effective_from=v.effective_from,
        created_by=v.created_by,
        created_at=v.created_at,
    )


def _plan_tasks(rows: list[tuple[PlanRow | PlanTask, str]]) -> list[PlanTaskRead]:
    """Plan rows grouped per task: the task's own row, then its occurrences."""
    tasks: dict[int, PlanTaskRead] = {}
    for row, title in rows:
        if row.occurrence == ONE_OFF:
            tasks[row.task_id] = PlanTaskRead(
                task_id=row.task_id,
                title=title,
                start_date=row.start_date,
                due_date=row.due_date,
                recurrence=Recurrence(row.recurrence),
                measured=bool(row.measured),
                occurrences=[],
            )
    for row, _ in rows:
        if row.occurrence != ONE_OFF and row.task_id in tasks:
            tasks[row.task_id].occurrences.append(OccurrenceRead(period=row.occurrence, due_date=row.due_date))
    return [tasks[k] for k in sorted(tasks)]


class VersionService:
    def __init__(self, session: AsyncSession, principal: Principal, clock: Callable[[], datetime] = utcnow) -> None:
        self.roadmaps = RoadmapService(session, principal, clock=clock)
        self.repo = VersionRepository(session)
        self.principal = principal
        self.clock = clock

    async def open_revision(self, roadmap_id: int, reason: str, if_match: str | None) -> RoadmapVersion:
        """A new draft version of an approved roadmap, in which KPIs, measures and tasks may change."""

        async def attempt() -> RoadmapVersion:
            roadmap = await self.roadmaps.load_for_write(roadmap_id, if_match)
            if roadmap.status == RoadmapStatus.DRAFT or roadmap.plan_version is None:
                raise RevisionOfDraft(roadmap.id)
            open_for_changes(roadmap)
            if roadmap.draft_version is not None:
                raise RevisionAlreadyOpen(roadmap.id, roadmap.draft_version)
            existing = await self.repo.versions(roadmap.id)
            number = max((v.number for v in existing), default=roadmap.plan_version) + 1
            version = RoadmapVersion(
                roadmap_id=roadmap.id,
                number=number,
                status=DRAFT,
                reason=reason,
                created_by=self.principal.sub,
                created_at=self.clock(),
            )
            self.repo.add(version)
            roadmap.draft_version = number
            roadmap.version += 1
            await self.repo.flush()
            self.roadmaps.journal.record(
                roadmap_id=roadmap.id,
                entity="version",
                entity_id=version.id,
                action="revision_opened",
                before={"draft_version": None},
                after={"draft_version": number, "reason": reason, "plan_version": roadmap.plan_version},
            )
            await self.repo.flush()
            log.info("roadmap_revision_opened", roadmap_id=roadmap.id, version=number, by=self.principal.sub)
            return version

        return await self.roadmaps.write(roadmap_id, if_match, attempt)

    async def list_versions(self, roadmap_id: int) -> list[VersionRead]:
        roadmap = await self.roadmaps.load(roadmap_id)
        return [version_read(v) for v in await self.repo.versions(roadmap.id)]

    async def detail(self, roadmap_id: int, number: int) -> VersionDetail:
        roadmap = await self.roadmaps.load(roadmap_id)
        version = await self.repo.get(roadmap.id, number)
        if version is None:
            raise VersionNotFound(roadmap.id, number)
        base = version_read(version).model_dump()
        if version.status != DRAFT:
            planned = await self.repo.plan(version.id)
            rows: list[tuple[PlanRow | PlanTask, str]] = [(row, title) for row, title in planned]
            return VersionDetail(
                **base, frozen=True, kpis=version.kpis or [], measures=version.measures or [], tasks=_plan_tasks(rows)
            )
        titles = {t.id: t.title for t in await self.roadmaps.repo.tasks(roadmap.id)}
        preview = plan_rows(await self.repo.plan_nodes(roadmap.id))
        return VersionDetail(
            **base,
            frozen=False,
            kpis=kpi_snapshot(await self.roadmaps.repo.kpis(roadmap.id)),
            measures=measure_snapshot(await self.roadmaps.repo.measures(roadmap.id)),
            tasks=_plan_tasks([(row, titles.get(row.task_id, "")) for row in preview]),
        )
