"""Use cases of roadmaps. Takes the session and the caller explicitly; flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import Measure, Roadmap, RoadmapKpi
from roadmap_api.regions import readable_regions, require_reader, require_writer, resolve_region
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
)
from roadmap_api.tasks.rules import RoadmapStatus, TaskRuleError, validate_roadmap_transition
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.clients.kpi import CurrentValues, KpiClient
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import Unprocessable

log = get_logger(__name__)


@dataclass
class RoadmapBundle:
    roadmap: Roadmap
    kpis: list[RoadmapKpi]
    measures: list[Measure]


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
    """409 unless the roadmap is still a draft (its plan is not yet the approved baseline)."""
    if roadmap.status != RoadmapStatus.DRAFT:
        raise BaselineLocked(roadmap.id, roadmap.status, what)


def open_for_changes(roadmap: Roadmap) -> None:
    """409 when the roadmap is completed."""
    if roadmap.status == RoadmapStatus.COMPLETED:
        raise RoadmapCompleted(roadmap.id)


class RoadmapService:
    def __init__(self, session: AsyncSession, principal: Principal, org_units: OrgUnitClient | None = None) -> None:
        self.repo = RoadmapRepository(session)
        self.principal = principal
        self.org_units = org_units
        self.journal = Journal(self.repo, principal.sub)

    async def load(self, roadmap_id: int) -> Roadmap:
        """The roadmap, if the caller may read it (404 / 403)."""
        roadmap = await self.repo.get(roadmap_id)
        if roadmap is None:
            raise RoadmapNotFound(roadmap_id)
        require_reader(self.principal, roadmap.region_code)
        return roadmap

    async def load_for_write(self, roadmap_id: int, if_match: str | None = None) -> Roadmap:
        roadmap = await self.repo.get(roadmap_id)
        if roadmap is None:
            raise RoadmapNotFound(roadmap_id)
        require_writer(self.principal, roadmap.region_code)
        check_if_match(if_match, roadmap.version)
        return roadmap

    async def bundle(self, roadmap: Roadmap) -> RoadmapBundle:
        return RoadmapBundle(roadmap, await self.repo.kpis(roadmap.id), await self.repo.measures(roadmap.id))

    async def create(self, data: RoadmapCreate) -> RoadmapBundle:
        require_role(self.principal, Role.FEDERAL, Role.REGIONAL_ADMIN)
        _check_unique(data.kpis, "/kpis")
        await check_measures(self.repo.session, data.measures, "/measures")
        region = await resolve_region(self.org_units, data.region_code)
        require_writer(self.principal, data.region_code, region.path if region else None)
        roadmap = Roadmap(
            region_code=data.region_code,
            timezone=region.timezone if region else None,
            life_situation=data.life_situation,
            title=data.title,
            status=RoadmapStatus.DRAFT.value,
            created_by=self.principal.sub,
            version=1,
        )
        self.repo.add(roadmap)
        await self.repo.flush()
        kpis = [self._kpi(roadmap.id, k) for k in data.kpis]
        measures = [self._measure(roadmap.id, m) for m in data.measures]
        self.repo.add(*kpis, *measures)
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
        return RoadmapBundle(roadmap, kpis, measures)

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
        roadmap = await self.load_for_write(roadmap_id, if_match)
        open_for_changes(roadmap)
        changes = data.model_dump(exclude_unset=True)
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

    async def replace_kpis(self, roadmap_id: int, kpis: Sequence[KpiLink], if_match: str | None) -> RoadmapBundle:
        roadmap = await self.load_for_write(roadmap_id, if_match)
        locked_baseline(roadmap, "KPIs with their baselines and targets")
        _check_unique(kpis, "/kpis")
        before = _kpi_snapshot(await self.repo.kpis(roadmap.id))
        await self.repo.delete_kpis(roadmap.id)
        new = [self._kpi(roadmap.id, k) for k in kpis]
        self.repo.add(*new)
        await self.repo.flush()
        self.journal.record(
            roadmap_id=roadmap.id,
            entity="kpi",
            entity_id=roadmap.id,
            action="updated",
            before=before,
            after=_kpi_snapshot(new),
        )
        roadmap.version += 1
        await self.repo.flush()
        return await self.bundle(roadmap)

    async def add_measure(self, roadmap_id: int, data: MeasureCreate) -> Measure:
        roadmap = await self.load_for_write(roadmap_id)
        locked_baseline(roadmap, "measures")
        await check_measures(self.repo.session, [data])
        measure = self._measure(roadmap.id, data)
        self.repo.add(measure)
        await self.repo.flush()
        self.journal.record(
            roadmap_id=roadmap.id,
            entity="measure",
            entity_id=measure.id,
            action="created",
            before={},
            after={"problem": measure.problem, "solution": measure.solution},
        )
        roadmap.version += 1
        await self.repo.flush()
        return measure

    async def change_status(self, roadmap_id: int, status: RoadmapStatus, if_match: str | None) -> RoadmapBundle:
        roadmap = await self.load_for_write(roadmap_id, if_match)
        current = RoadmapStatus(roadmap.status)
        try:
            validate_roadmap_transition(current, status)
        except TaskRuleError as error:
            raise translate(error) from error
        before: dict[str, object] = {"status": roadmap.status}
        roadmap.status = status.value
        if status is RoadmapStatus.APPROVED:
            roadmap.approved_by = self.principal.sub
            roadmap.approved_at = utcnow()
            before.update(approved_by=None, approved_at=None)
            await self.repo.flush()
            await self.repo.freeze_baseline(roadmap.id)
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
        await self.repo.flush()
        log.info("roadmap_status_changed", roadmap_id=roadmap.id, status=status.value, by=self.principal.sub)
        return await self.bundle(roadmap)


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
