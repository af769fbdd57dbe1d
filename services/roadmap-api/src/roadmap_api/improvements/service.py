"""Use cases of lean improvement projects. Flushes, never commits.

Who may do what: the region's writers (``federal``, ``regional_admin``) everything; an
``mo_operator`` whose scope covers the project's organisation (``org_unit_code``) its progress only
— status, dates, stages, metrics and comments — and nothing of the passport. A project the caller
cannot see is a 404. Once the regional centre approved the passport, its fields and the metrics'
names, units, directions, "before" values and targets are locked (409); measured "after" values,
status and dates go on. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.audit.recorder import Audit
from roadmap_api.improvements.errors import ImprovementNotFound, PassportLocked
from roadmap_api.improvements.repository import ImprovementRepository
from roadmap_api.improvements.rules import (
    Category,
    Direction,
    NewModelCriterion,
    PassportStatus,
    ProjectStatus,
    Stage,
    compute_effect,
    current_stage,
    stage_problems,
)
from roadmap_api.improvements.schemas import (
    EffectRead,
    ImprovementCreate,
    ImprovementRead,
    ImprovementUpdate,
    MetricIn,
    MetricRead,
    PassportRead,
    StageIn,
    StageRead,
)
from roadmap_api.models import ImprovementMetric, ImprovementProject, ImprovementStage
from roadmap_api.regions import (
    check_org_unit_in_region,
    readable_regions,
    region_lineage,
    require_writer,
    resolve_region,
)
from zdrav_shared.auth import FEDERATION_CODE, Principal, Role, require_role
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.etags import check_if_match
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import FieldError, Forbidden, Unprocessable

log = get_logger(__name__)

CENTI = Decimal("0.01")
ENTITY = "improvement_project"
PASSPORT_FIELDS = frozenset({"title", "category", "process", "problem", "goal", "team", "leader", "new_model_criteria"})
REQUIRED_FIELDS = frozenset({"title", "category", "process", "problem", "goal", "team", "new_model_criteria", "status"})


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
        self.audit = Audit(session, principal.sub)

    @staticmethod
    def lineage(project: ImprovementProject) -> list[str]:
        return [*region_lineage(project.region_code), *(project.org_unit_path or [])]

    def is_operator_of(self, project: ImprovementProject) -> bool:
        """An mo_operator whose scope covers the project's organisation."""
        return (
            bool(project.org_unit_path)
            and self.principal.has_role(Role.MO_OPERATOR)
            and self.principal.covers(project.org_unit_path or [])
        )

    async def load(
        self, project_id: int, *, write: bool = False, if_match: str | None = None, progress: bool = False
    ) -> ImprovementProject:
        """The project if the caller may see it (404 otherwise). ``write`` needs a writer of the
        region — or, for ``progress`` (status, dates, stages, metrics, comments), an mo_operator of
        the project's organisation."""
        project = await self.repo.get(project_id)
        if project is None or not self.principal.covers(self.lineage(project)):  # another's: as if absent
            raise ImprovementNotFound(project_id)
        if write:
            if not (progress and self.is_operator_of(project)):
                if self.principal.has_role(Role.MO_OPERATOR) and not self.principal.has_role(
                    Role.FEDERAL, Role.REGIONAL_ADMIN
                ):
                    raise Forbidden(
                        "an mo_operator of the project's organisation updates its status, dates, stages, "
                        "metrics and comments only",
                        reason="progress_only",
                    )
                require_writer(self.principal, project.region_code)
            check_if_match(if_match, project.version)
        return project

    async def _organisation(self, data: ImprovementCreate) -> tuple[str | None, list[str] | None]:
        code = data.org_unit_code or data.pilot_org_unit_code
        if data.pilot_org_unit_code is not None:
            await check_org_unit_in_region(
                self.org_units, data.pilot_org_unit_code, data.region_code, "/pilot_org_unit_code"
            )
        if code is None:
            return None, None
        pointer = "/org_unit_code" if data.org_unit_code else "/pilot_org_unit_code"
        unit = await check_org_unit_in_region(self.org_units, code, data.region_code, pointer)
        return code, list(unit.path) if unit and unit.path else [FEDERATION_CODE, data.region_code, code]

    async def create(self, data: ImprovementCreate, source_project_id: int | None = None) -> ImprovementProject:
        require_role(self.principal, Role.FEDERAL, Role.REGIONAL_ADMIN)
        _check_stages(data.stages, "/stages")
        region = await resolve_region(self.org_units, data.region_code)
        require_writer(self.principal, data.region_code, region.path if region else None)
        org_unit_code, org_unit_path = await self._organisation(data)
        project = ImprovementProject(
            region_code=data.region_code,
            pilot_org_unit_code=data.pilot_org_unit_code,
            org_unit_code=org_unit_code,
            org_unit_path=org_unit_path,
            title=data.title,
            category=data.category.value,
            process=data.process,
            problem=data.problem,
            goal=data.goal,
            team=list(data.team),
            leader=data.leader,
            new_model_criteria=[c.value for c in dict.fromkeys(data.new_model_criteria)],
            status=ProjectStatus.PLANNED.value,
            start_date=data.start_date,
            end_date=data.end_date,
            passport_status=PassportStatus.DRAFT.value,
            source_project_id=source_project_id,
            created_by=self.principal.sub,
            version=1,
        )
        self.repo.add(project)
        await self.repo.flush()
        self._add_stages(project.id, data.stages)
        self._add_metrics(project.id, data.metrics)
        await self.repo.flush()
        self.audit.event(
            region_code=project.region_code,
            entity=ENTITY,
            entity_id=project.id,
            action="created",
            after=data.model_dump(mode="json", exclude={"stages", "metrics"}),
        )
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
        changes = data.model_dump(exclude_unset=True, exclude={"reason"})
        passport = sorted(PASSPORT_FIELDS & changes.keys())
        project = await self.load(project_id, write=True, if_match=if_match, progress=not passport)
        if passport and project.passport_status == PassportStatus.APPROVED:
            raise PassportLocked(project.id, passport)
        for name, value in changes.items():
            if value is None and name in REQUIRED_FIELDS:
                raise Unprocessable(f"{name} cannot be removed", pointer=f"/{name}")
        start = changes.get("start_date", project.start_date)
        end = changes.get("end_date", project.end_date)
        if start is not None and end is not None and end < start:
            raise Unprocessable(f"end_date {end} is before start_date {start}", pointer="/end_date")
        plain = {
            name: [c.value for c in dict.fromkeys(value)]
            if name == "new_model_criteria"
            else value.value
            if isinstance(value, Category | ProjectStatus)
            else value
            for name, value in changes.items()
        }
        before = {name: getattr(project, name) for name in plain}
        for name, value in plain.items():
            setattr(project, name, value)
        if self.audit.changes(
            region_code=project.region_code,
            entity=ENTITY,
            entity_id=project.id,
            action="updated",
            before=before,
            after=plain,
            reason=data.reason,
        ):
            project.version += 1
        await self.repo.flush()
        return project

    async def replace_stages(self, project_id: int, stages: Sequence[StageIn], if_match: str | None) -> None:
        project = await self.load(project_id, write=True, if_match=if_match, progress=True)
        _check_stages(stages, "/items")
        before = [[s.stage, s.start_date, s.end_date] for s in await self.repo.stages(project.id)]
        await self.repo.clear_stages(project.id)
        self._add_stages(project.id, stages)
        project.version += 1
        self.audit.event(
            region_code=project.region_code,
            entity=ENTITY,
            entity_id=project.id,
            action="stages_replaced",
            before=before,
            after=[[s.stage, s.start_date, s.end_date] for s in stages],
        )
        await self.repo.flush()

    async def replace_metrics(self, project_id: int, metrics: Sequence[MetricIn], if_match: str | None) -> None:
        project = await self.load(project_id, write=True, if_match=if_match, progress=True)
        existing = await self.repo.metrics(project.id)
        if project.passport_status == PassportStatus.APPROVED:
            _only_after_changes(existing, metrics)
        before = [metric_read(m).model_dump(exclude={"effect"}) for m in existing]
        await self.repo.clear_metrics(project.id)
        self._add_metrics(project.id, metrics)
        project.version += 1
        self.audit.event(
            region_code=project.region_code,
            entity=ENTITY,
            entity_id=project.id,
            action="metrics_replaced",
            before=before,
            after=[m.model_dump() for m in metrics],
        )
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
            org_unit_code=project.org_unit_code,
            title=project.title,
            category=Category(project.category),
            process=project.process,
            problem=project.problem,
            goal=project.goal,
            team=list(project.team),
            leader=project.leader,
            new_model_criteria=[NewModelCriterion(c) for c in project.new_model_criteria or []],
            status=ProjectStatus(project.status),
            start_date=project.start_date,
            end_date=project.end_date,
            passport=PassportRead(
                status=PassportStatus(project.passport_status),
                submitted_by=project.passport_submitted_by,
                submitted_at=project.passport_submitted_at,
                approved_by=project.passport_approved_by,
                approved_at=project.passport_approved_at,
                approver_body=project.passport_approver_body,
                note=project.passport_note,
            ),
            source_project_id=project.source_project_id,
            current_stage=current_stage(spans, today or datetime.now(UTC).date()),
            stages=[StageRead(stage=Stage(s.stage), start_date=s.start_date, end_date=s.end_date) for s in stages],
            metrics=[metric_read(m) for m in metrics],
            version=project.version,
            created_at=project.created_at,
            updated_at=project.updated_at,
        )


def _only_after_changes(existing: Sequence[ImprovementMetric], metrics: Sequence[MetricIn]) -> None:
    """After approval the metrics are the passport's: only their measured ``after`` may change."""
    if len(existing) != len(metrics):
        raise PassportLocked(None, ["metrics"], detail="the approved passport's metrics cannot be added or removed")
    for n, (old, new) in enumerate(zip(existing, metrics, strict=True)):
        fixed_old = (old.name, old.unit, old.direction, old.before, old.target)
        fixed_new = (new.name, new.unit, new.direction.value, new.before, new.target)
        if fixed_old != fixed_new:
            raise PassportLocked(
                None,
                [f"metrics/{n}"],
                detail=f"metric {n} ({old.name}): only its measured `after` may change once the passport is approved",
            )
