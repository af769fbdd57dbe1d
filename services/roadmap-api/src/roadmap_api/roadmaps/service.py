"""Use cases of roadmaps. Takes the session and the caller explicitly; flushes, never commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.concurrency import compare_and_set, require_version
from roadmap_api.models import Measure, Roadmap, RoadmapKpi, RoadmapVersion
from roadmap_api.regions import Scope, readable_regions, require_writer, resolve_region
from roadmap_api.roadmaps.errors import BaselineLocked, DuplicateKpi, RoadmapCompleted, RoadmapNotFound, translate
from roadmap_api.roadmaps.journal import Journal
from roadmap_api.roadmaps.measure_template import check_measures, measure_read, template_fields
from roadmap_api.roadmaps.repository import RoadmapRepository
from roadmap_api.roadmaps.schemas import (
    KpiLink,
    KpiRead,
    MeasureCreate,
    RoadmapCreate,
    RoadmapRead,
    RoadmapUpdate,
    StatusChange,
)
from roadmap_api.tasks.rules import FINISHED_ROADMAP, RoadmapStatus, TaskRuleError, validate_roadmap_transition
from roadmap_api.versions.errors import RevisionPending
from roadmap_api.versions.freeze import Approval, approve_open_version
from roadmap_api.versions.repository import VersionRepository
from roadmap_api.webhooks.events import ROADMAP_APPROVED, ROADMAP_REVISED, roadmap_event
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.clients.kpi import CurrentValues, KpiClient
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import Unprocessable

T = TypeVar("T")

log = get_logger(__name__)


@dataclass
class RoadmapBundle:
    roadmap: Roadmap
    kpis: list[RoadmapKpi]
    measures: list[Measure]
    in_force: RoadmapVersion | None


def _kpi_snapshot(kpis: Sequence[RoadmapKpi]) -> dict[str, object]:
    return {k.indicator_code: [k.baseline, k.target, k.target_period] for k in kpis}


def _check_unique(kpis: Sequence[KpiLink], pointer: str) -> None:
    seen: set[str] = set()
    for index, kpi in enumerate(kpis):
        if kpi.indicator_code in seen:
            raise DuplicateKpi(
                f"indicator {kpi.indicator_code} is linked twice", pointer=f"{pointer}/{index}/indicator_code"
            )
        seen.add(kpi.indicator_code)


def locked_baseline(roadmap: Roadmap, what: str) -> None:
    """409 unless a version of the roadmap is open for editing: the first draft, or a revision."""
    open_for_changes(roadmap)
    if roadmap.status != RoadmapStatus.DRAFT and roadmap.draft_version is None:
        raise BaselineLocked(roadmap.id, roadmap.status, what)


def open_for_changes(roadmap: Roadmap) -> None:
    """409 when the roadmap is completed (or scaled)."""
    if RoadmapStatus(roadmap.status) in FINISHED_ROADMAP:
        raise RoadmapCompleted(roadmap.id)


class RoadmapService:
    """Roadmap use cases. Every write is a compare-and-set on the roadmap's version
    (:mod:`roadmap_api.concurrency`): with ``If-Match`` a lost race is a 409, without it the use case
    runs again on the fresh row."""

    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        org_units: OrgUnitClient | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session = session
        self.repo = RoadmapRepository(session)
        self.principal = principal
        self.scope = Scope.of(principal)
        self.org_units = org_units
        self.clock = clock
        self.journal = Journal(self.repo, principal.sub)

    async def load(self, roadmap_id: int) -> Roadmap:
        """The roadmap, if the caller may read it; outside the scope it is not found (404)."""
        roadmap = await self.repo.get(roadmap_id, self.scope)
        if roadmap is None:
            raise RoadmapNotFound(roadmap_id)
        return roadmap

    async def load_for_write(self, roadmap_id: int, if_match: str | None = None) -> Roadmap:
        """The roadmap for a change: 404 outside the scope, 403 for a reader, 409 for a stale ETag."""
        roadmap = await self.load(roadmap_id)
        require_writer(self.principal, roadmap.region_code)
        require_version(if_match, roadmap.version, f"roadmap {roadmap.id}")
        return roadmap

    async def write(self, roadmap_id: int, if_match: str | None, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run a write use case as a compare-and-set on the roadmap's version."""
        return await compare_and_set(
            self.session,
            attempt,
            if_match=if_match,
            current_version=lambda: self.repo.version_of(roadmap_id),
            what=f"roadmap {roadmap_id}",
        )

    async def bundle(self, roadmap: Roadmap) -> RoadmapBundle:
        return RoadmapBundle(
            roadmap,
            await self.repo.kpis(roadmap.id),
            await self.repo.measures(roadmap.id),
            await self.repo.version_row(roadmap.id, roadmap.plan_version),
        )

    async def create(self, data: RoadmapCreate) -> RoadmapBundle:
        require_role(self.principal, Role.FEDERAL, Role.REGIONAL_ADMIN)
        _check_unique(data.kpis, "/kpis")
        await check_measures(self.repo.session, data.measures, "/measures")
        region = await resolve_region(self.org_units, data.region_code)
        require_writer(self.principal, data.region_code, region.path if region else None)
        now = self.clock()
        roadmap = Roadmap(
            region_code=data.region_code,
            timezone=region.timezone if region else None,
            life_situation=data.life_situation,
            title=data.title,
            status=RoadmapStatus.DRAFT.value,
            created_by=self.principal.sub,
            draft_version=1,
            version=1,
        )
        self.repo.add(roadmap)
        await self.repo.flush()
        kpis = [self._kpi(roadmap.id, k) for k in data.kpis]
        measures = [self._measure(roadmap.id, m) for m in data.measures]
        first = RoadmapVersion(
            roadmap_id=roadmap.id, number=1, status="draft", created_by=self.principal.sub, created_at=now
        )
        self.repo.add(*kpis, *measures, first)
        await self.repo.flush()
        self.journal.record(
            roadmap_id=roadmap.id,
            entity="roadmap",
            entity_id=roadmap.id,
            action="created",
            before={},
            after={"title": roadmap.title, "life_situation": roadmap.life_situation, "status": roadmap.status},
        )
        log.info("roadmap_created", roadmap_id=roadmap.id, region=roadmap.region_code, by=self.principal.sub)
        return RoadmapBundle(roadmap, kpis, measures, None)

    @staticmethod
    def _kpi(roadmap_id: int, k: KpiLink) -> RoadmapKpi:
        return RoadmapKpi(
            roadmap_id=roadmap_id,
            indicator_code=k.indicator_code,
            baseline=k.baseline,
            target=k.target,
            target_period=k.target_period,
        )

    @staticmethod
    def _measure(roadmap_id: int, m: MeasureCreate) -> Measure:
        return Measure(
            roadmap_id=roadmap_id,
            problem=m.problem,
            causes=list(m.causes),
            solution=m.solution,
            best_practices=list(m.best_practices),
            **template_fields(m),
        )

    async def list_roadmaps(
        self, *, region_code: str | None, status: RoadmapStatus | None, after_id: int | None, limit: int
    ) -> list[Roadmap]:
        return await self.repo.list_roadmaps(
            regions=readable_regions(self.principal),
            region_code=region_code,
            status=status.value if status else None,
            after_id=after_id,
            limit=limit,
        )

    async def update(self, roadmap_id: int, data: RoadmapUpdate, if_match: str | None) -> RoadmapBundle:
        changes = data.model_dump(exclude_unset=True)
        read_version = changes.pop("version", None)
        if if_match is None and read_version is not None:
            if_match = str(read_version)

        async def attempt() -> RoadmapBundle:
            roadmap = await self.load_for_write(roadmap_id, if_match)
            open_for_changes(roadmap)
            for name, value in changes.items():
                if value is None:
                    raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")
            before = {name: getattr(roadmap, name) for name in changes}
            for name, value in changes.items():
                setattr(roadmap, name, value)
            if self.journal.record(
                roadmap_id=roadmap.id,
                entity="roadmap",
                entity_id=roadmap.id,
                action="updated",
                before=before,
                after=changes,
            ):
                roadmap.version += 1
            await self.repo.flush()
            return await self.bundle(roadmap)

        return await self.write(roadmap_id, if_match, attempt)

    async def replace_kpis(self, roadmap_id: int, kpis: Sequence[KpiLink], if_match: str | None) -> RoadmapBundle:
        async def attempt() -> RoadmapBundle:
            roadmap = await self.load_for_write(roadmap_id, if_match)
            locked_baseline(roadmap, "KPIs with their baselines and targets")
            _check_unique(kpis, "/kpis")
            before = _kpi_snapshot(await self.repo.kpis(roadmap.id))
            await self.repo.delete_kpis(roadmap.id)
            new = [self._kpi(roadmap.id, k) for k in kpis]
            self.repo.add(*new)
            roadmap.version += 1
            await self.repo.flush()
            self.journal.record(
                roadmap_id=roadmap.id,
                entity="kpi",
                entity_id=roadmap.id,
                action="updated",
                before=before,
                after=_kpi_snapshot(new),
            )
            await self.repo.flush()
            return await self.bundle(roadmap)

        return await self.write(roadmap_id, if_match, attempt)

    async def add_measure(self, roadmap_id: int, data: MeasureCreate) -> Measure:
        async def attempt() -> Measure:
            roadmap = await self.load_for_write(roadmap_id)
            locked_baseline(roadmap, "measures")
            await check_measures(self.repo.session, [data])
            measure = self._measure(roadmap.id, data)
            self.repo.add(measure)
            roadmap.version += 1
            await self.repo.flush()
            self.journal.record(
                roadmap_id=roadmap.id,
                entity="measure",
                entity_id=measure.id,
                action="created",
                before={},
                after={"problem": measure.problem, "solution": measure.solution},
            )
            await self.repo.flush()
            return measure

        return await self.write(roadmap_id, None, attempt)

    async def change_status(
        self, roadmap_id: int, change: StatusChange | RoadmapStatus, if_match: str | None
    ) -> RoadmapBundle:
        """Move the roadmap one step on; ``approved`` approves its open version — the first draft,
        or a revision (the life-cycle status of an approved or running roadmap then stays)."""
        if isinstance(change, RoadmapStatus):
            change = StatusChange(status=change)
        status = change.status
        approval = Approval(change.approved_by_governor, change.approved_by_agency, change.approval_document)
        if status is not RoadmapStatus.APPROVED and approval != Approval():
            raise Unprocessable("approvers and the approval document go with status approved only", pointer="/status")

        async def attempt() -> RoadmapBundle:
            roadmap = await self.load_for_write(roadmap_id, if_match)
            current = RoadmapStatus(roadmap.status)
            revising = status is RoadmapStatus.APPROVED and roadmap.draft_version is not None
            if revising and current is not RoadmapStatus.DRAFT:
                open_for_changes(roadmap)
            else:
                try:
                    validate_roadmap_transition(current, status)
                except TaskRuleError as error:
                    raise translate(error) from error
                if status in FINISHED_ROADMAP and roadmap.draft_version is not None:
                    raise RevisionPending(roadmap.id, roadmap.draft_version)
            before: dict[str, object] = {"status": roadmap.status}
            first_approval = roadmap.plan_version is None
            if status is RoadmapStatus.APPROVED:
                before.update(approved_by=roadmap.approved_by, approved_at=roadmap.approved_at)
                await approve_open_version(
                    VersionRepository(self.session),
                    self.journal,
                    roadmap,
                    await self.repo.kpis(roadmap.id),
                    await self.repo.measures(roadmap.id),
                    approval,
                    actor=self.principal.sub,
                    now=self.clock(),
                )
            if current is RoadmapStatus.DRAFT or status is not RoadmapStatus.APPROVED:
                roadmap.status = status.value
            after = {name: getattr(roadmap, name) for name in before}
            self.journal.record(
                roadmap_id=roadmap.id,
                entity="roadmap",
                entity_id=roadmap.id,
                action="status_changed",
                before=before,
                after=after,
            )
            roadmap.version += 1
            if status is RoadmapStatus.APPROVED:
                event = ROADMAP_APPROVED if first_approval else ROADMAP_REVISED
                await roadmap_event(self.session, event, roadmap, self.principal.sub, self.clock())
            await self.repo.flush()
            log.info("roadmap_status_changed", roadmap_id=roadmap.id, status=status.value, by=self.principal.sub)
            return await self.bundle(roadmap)

        return await self.write(roadmap_id, if_match, attempt)


def roadmap_read(bundle: RoadmapBundle, values: CurrentValues) -> RoadmapRead:
    """The roadmap with every KPI's current value for the roadmap's region and target period."""
    r = bundle.roadmap
    kpis = []
    for k in bundle.kpis:
        current = values.get(k.indicator_code, r.region_code, k.target_period)
        kpis.append(
            KpiRead(
                indicator_code=k.indicator_code,
                baseline=k.baseline,
                target=k.target,
                target_period=k.target_period,
                current_value=current.value,
                current_value_reason=current.reason,
            )
        )
    return RoadmapRead(
        id=r.id,
        region_code=r.region_code,
        life_situation=r.life_situation,
        title=r.title,
        status=RoadmapStatus(r.status),
        approved_by=r.approved_by,
        approved_at=r.approved_at,
        approved_by_governor=bundle.in_force.approved_by_governor if bundle.in_force else None,
        approved_by_agency=bundle.in_force.approved_by_agency if bundle.in_force else None,
        plan_version=r.plan_version,
        draft_version=r.draft_version,
        created_by=r.created_by,
        source_project_id=r.source_project_id,
        kpis=kpis,
        measures=[measure_read(m) for m in bundle.measures],
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


async def current_values(kpi: KpiClient | None, bundle: RoadmapBundle) -> CurrentValues:
    """Current KPI values from kpi-api, degrading to null-with-a-reason (never failing the read)."""
    if not bundle.kpis:
        return CurrentValues()
    if kpi is None:
        return CurrentValues(unavailable="kpi-api is not configured")
    return await kpi.current_values(
        [k.indicator_code for k in bundle.kpis],
        [bundle.roadmap.region_code],
        [k.target_period for k in bundle.kpis],
    )
