"""Use cases of lean improvement projects. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.improvements.errors import ImprovementNotFound
from roadmap_api.improvements.repository import ImprovementRepository
from roadmap_api.improvements.rules import Category, Direction, Stage, compute_effect, current_stage, stage_problems
from roadmap_api.improvements.schemas import (
    EffectRead,
    ImprovementCreate,
    ImprovementRead,
    ImprovementUpdate,
    MetricIn,
    MetricRead,
    StageIn,
    StageRead,
)
from roadmap_api.models import ImprovementMetric, ImprovementProject, ImprovementStage
from roadmap_api.regions import (
    check_org_unit_in_region,
    in_scope,
    readable_regions,
    require_reader,
    require_writer,
    resolve_region,
)
from zdrav_shared.auth import Principal, Role, require_role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import FieldError, Unprocessable

log = get_logger(__name__)

CENTI = Decimal("0.01")


def _check_stages(stages: Sequence[StageIn], pointer: str) -> None:
    problems = stage_problems([(s.stage, s.start_date, s.end_date) for s in stages])
    if problems:
        raise Unprocessable(
            problems[0][1], errors=[FieldError(pointer=f"{pointer}/{i}", message=m) for i, m in problems]
        )


def metric_read(m: ImprovementMetric) -> MetricRead:
    direction = Direction(m.direction)
    effect = None
    if m.after is not None:
        e = compute_effect(m.before, m.after, direction, m.target)
        effect = EffectRead(
            movement=e.movement,
            factor=e.factor.quantize(CENTI) if e.factor is not None else None,
            change_pct=e.change_pct.quantize(CENTI) if e.change_pct is not None else None,
            improved=e.improved,
            target_achieved=e.target_achieved,
            label=e.label(),
        )
    return MetricRead(
        name=m.name, unit=m.unit, direction=direction, before=m.before, after=m.after, target=m.target, effect=effect
    )


class ImprovementService:
    def __init__(self, session: AsyncSession, principal: Principal, org_units: OrgUnitClient | None = None) -> None:
        self.repo = ImprovementRepository(session)
        self.principal = principal
        self.org_units = org_units

    async def load(self, project_id: int, *, write: bool = False, if_match: str | None = None) -> ImprovementProject:
        project = await self.repo.get(project_id)
        if project is None or not in_scope(self.principal, project.region_code):  # another region's: as if absent
            raise ImprovementNotFound(project_id)
        if write:
            require_writer(self.principal, project.region_code)
            check_if_match(if_match, project.version)
        else:
            require_reader(self.principal, project.region_code)
        return project

    async def create(self, data: ImprovementCreate, source_project_id: int | None = None) -> ImprovementProject:
        require_role(self.principal, Role.FEDERAL, Role.REGIONAL_ADMIN)
        _check_stages(data.stages, "/stages")
        region = await resolve_region(self.org_units, data.region_code)
        require_writer(self.principal, data.region_code, region.path if region else None)
        if data.pilot_org_unit_code is not None:
            await check_org_unit_in_region(
                self.org_units, data.pilot_org_unit_code, data.region_code, "/pilot_org_unit_code"
            )
        project = ImprovementProject(
            region_code=data.region_code,
            pilot_org_unit_code=data.pilot_org_unit_code,
            title=data.title,
            category=data.category.value,
            process=data.process,
            problem=data.problem,
            goal=data.goal,
            team=list(data.team),
            source_project_id=source_project_id,
            created_by=self.principal.sub,
            version=1,
        )
        self.repo.add(project)
        await self.repo.flush()
        self._add_stages(project.id, data.stages)
        self._add_metrics(project.id, data.metrics)
        await self.repo.flush()
        log.info("improvement_project_created", project_id=project.id, by=self.principal.sub)
        return project

    def _add_stages(self, project_id: int, stages: Sequence[StageIn]) -> None:
        self.repo.add(
            *(
                ImprovementStage(
                    project_id=project_id, stage=s.stage.value, start_date=s.start_date, end_date=s.end_date
                )
                for s in stages
            )
        )

    def _add_metrics(self, project_id: int, metrics: Sequence[MetricIn]) -> None:
        self.repo.add(
            *(
                ImprovementMetric(
                    project_id=project_id,
                    name=m.name,
                    unit=m.unit,
                    direction=m.direction.value,
                    before=m.before,
                    after=m.after,
                    target=m.target,
                )
                for m in metrics
            )
        )

    async def update(self, project_id: int, data: ImprovementUpdate, if_match: str | None) -> ImprovementProject:
        project = await self.load(project_id, write=True, if_match=if_match)
        changes = data.model_dump(exclude_unset=True)
        for name, value in changes.items():
            if value is None:
                raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")
            setattr(project, name, value.value if isinstance(value, Category) else value)
        if changes:
            project.version += 1
        await self.repo.flush()
        return project

    async def replace_stages(self, project_id: int, stages: Sequence[StageIn], if_match: str | None) -> None:
        project = await self.load(project_id, write=True, if_match=if_match)
        _check_stages(stages, "/items")
        await self.repo.clear_stages(project.id)
        self._add_stages(project.id, stages)
        project.version += 1
        await self.repo.flush()

    async def replace_metrics(self, project_id: int, metrics: Sequence[MetricIn], if_match: str | None) -> None:
        project = await self.load(project_id, write=True, if_match=if_match)
        await self.repo.clear_metrics(project.id)
        self._add_metrics(project.id, metrics)
        project.version += 1
        await self.repo.flush()

    async def list_projects(
        self, category: Category | None, after_id: int | None, limit: int
    ) -> list[ImprovementProject]:
        return await self.repo.list_projects(
            readable_regions(self.principal), category.value if category else None, after_id, limit
        )

    async def read(self, project: ImprovementProject, today: date | None = None) -> ImprovementRead:
        stages = await self.repo.stages(project.id)
        metrics = await self.repo.metrics(project.id)
        spans = [(Stage(s.stage), s.start_date, s.end_date) for s in stages]
        return ImprovementRead(
            id=project.id,
            region_code=project.region_code,
            pilot_org_unit_code=project.pilot_org_unit_code,
            title=project.title,
            category=Category(project.category),
            process=project.process,
            problem=project.problem,
            goal=project.goal,
            team=list(project.team),
            source_project_id=project.source_project_id,
            current_stage=current_stage(spans, today or datetime.now(UTC).date()),
            stages=[StageRead(stage=Stage(s.stage), start_date=s.start_date, end_date=s.end_date) for s in stages],
            metrics=[metric_read(m) for m in metrics],
            version=project.version,
            created_at=project.created_at,
            updated_at=project.updated_at,
        )
