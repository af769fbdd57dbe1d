"""Use cases of self-assessments: measurements per institution, the region's baseline, and taking a
draft roadmap KPI's baseline from it. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.audit.recorder import Audit
from roadmap_api.improvements.rules import Direction
from roadmap_api.life_situations import rules
from roadmap_api.life_situations.errors import BaselineNotAvailable, SelfAssessmentExists, SelfAssessmentNotFound
from roadmap_api.life_situations.repository import LifeSituationRepository
from roadmap_api.life_situations.schemas import (
    BaselineRead,
    InstitutionBaseline,
    InstitutionCreate,
    KpiBaselineFromAssessment,
    KpiBaselineRead,
    MeasurementIn,
    MeasurementRead,
    Sample,
    SelfAssessmentCreate,
    SelfAssessmentRead,
)
from roadmap_api.life_situations.service import LifeSituationService, require_unit_writer
from roadmap_api.models import LifeSituation, SelfAssessment, SelfAssessmentMeasurement
from roadmap_api.regions import Scope, readable_regions, require_reader, require_writer
from roadmap_api.roadmaps.errors import RoadmapNotFound
from roadmap_api.roadmaps.journal import Journal
from roadmap_api.roadmaps.repository import RoadmapRepository
from roadmap_api.roadmaps.service import locked_baseline
from zdrav_shared.auth import Principal
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.logging import get_logger
from zdrav_shared.problems import NotFound, Unprocessable

log = get_logger(__name__)

ENTITY = "self_assessment"


def _points(sample: Sample) -> list[MeasurementIn]:
    return [m if isinstance(m, MeasurementIn) else MeasurementIn(value=m) for m in sample]


class KpiNotOnRoadmap(NotFound):
    slug = "roadmap-kpi-not-found"
    title = "The roadmap has no such KPI"


class SelfAssessmentService:
    def __init__(self, session: AsyncSession, principal: Principal, org_units: OrgUnitClient | None = None) -> None:
        self.session = session
        self.repo = LifeSituationRepository(session)
        self.situations = LifeSituationService(session, principal, org_units)
        self.principal = principal
        self.audit = Audit(session, principal.sub)

    # -- reads ---------------------------------------------------------------------------------

    async def read(self, assessment: SelfAssessment) -> SelfAssessmentRead:
        situation = await self.repo.session.get(LifeSituation, assessment.life_situation_id)
        institution = await self.repo.institution_by_id(assessment.institution_id)
        assert situation is not None and institution is not None
        measured = (await self.repo.measurements([assessment.id]))[assessment.id]
        direction = Direction(assessment.direction)
        summary = rules.summarise([m.value for m in measured], direction)
        warning = rules.sample_warning(assessment.org_unit_code, summary.n)
        return SelfAssessmentRead(
            id=assessment.id,
            life_situation_code=situation.code,
            region_code=assessment.region_code,
            org_unit_code=assessment.org_unit_code,
            rural=institution.rural,
            indicator_code=assessment.indicator_code,
            metric_ru=assessment.metric_ru,
            unit=assessment.unit,
            direction=direction,
            n=summary.n,
            min_measurements=rules.MIN_MEASUREMENTS,
            sample_ok=summary.sample_ok,
            current_value=summary.current_value,
            best_value=summary.best_value,
            mean=summary.mean.quantize(Decimal("0.000001")) if summary.mean is not None else None,
            warnings=[warning] if warning else [],
            measurements=[MeasurementRead(value=m.value, measured_on=m.measured_on, note=m.note) for m in measured],
            version=assessment.version,
            created_at=assessment.created_at,
            updated_at=assessment.updated_at,
        )

    async def load(self, assessment_id: int, *, write: bool = False) -> SelfAssessment:
        """The assessment, if the caller may see it — else 404, as if it did not exist."""
        found = await self.repo.assessment(assessment_id)
        if found is None:
            raise SelfAssessmentNotFound(assessment_id)
        institution = await self.repo.institution_by_id(found.institution_id)
        path = institution.org_unit_path if institution else []
        if not (self.principal.covers([found.region_code, *path]) or self.principal.is_federal):
            raise SelfAssessmentNotFound(assessment_id)
        if write:
            require_unit_writer(self.principal, found.region_code, path)
        return found

    async def list_for(
        self, code: str, region_code: str | None, after_id: int | None, limit: int
    ) -> list[SelfAssessment]:
        situation = await self.situations.get(code)
        if region_code is not None:
            require_reader(self.principal, region_code)
            regions: list[str] | None = [region_code]
        else:
            regions = readable_regions(self.principal)
        return await self.repo.assessments(situation.id, regions, after_id=after_id, limit=limit)

    # -- writes --------------------------------------------------------------------------------

    def _add_measurements(self, assessment_id: int, points: Sequence[MeasurementIn]) -> None:
        self.repo.add(
            *(
                SelfAssessmentMeasurement(
                    assessment_id=assessment_id, value=p.value, measured_on=p.measured_on, note=p.note
                )
                for p in points
            )
        )

    async def create(self, code: str, data: SelfAssessmentCreate) -> SelfAssessment:
        situation = await self.situations.get(code)
        institution = await self.situations.institution(situation, InstitutionCreate(org_unit_code=data.org_unit_code))
        existing = await self.repo.assessment_for(institution.id, data.indicator_code)
        if existing is not None:
            raise SelfAssessmentExists(
                f"{data.org_unit_code} already has self-assessment {existing.id} of {data.indicator_code}; "
                f"replace its measurements with PUT /v1/self-assessments/{existing.id}/measurements",
                assessment_id=existing.id,
            )
        # One indicator is measured one way in a region: the baseline compares like with like.
        others = await self.repo.assessments(situation.id, [institution.region_code], data.indicator_code)
        for other in others:
            if other.direction != data.direction.value or other.unit != data.unit:
                raise Unprocessable(
                    f"{data.indicator_code} is measured in {other.unit} ({other.direction}) in "
                    f"{other.org_unit_code}; use the same unit and direction",
                    pointer="/unit" if other.unit != data.unit else "/direction",
                )
        assessment = SelfAssessment(
            life_situation_id=situation.id,
            institution_id=institution.id,
            region_code=institution.region_code,
            org_unit_code=institution.org_unit_code,
            indicator_code=data.indicator_code,
            metric_ru=data.metric_ru,
            unit=data.unit,
            direction=data.direction.value,
            created_by=self.principal.sub,
            version=1,
        )
        self.repo.add(assessment)
        await self.repo.flush()
        points = _points(data.measurements)
        self._add_measurements(assessment.id, points)
        await self.repo.flush()
        self.audit.event(
            region_code=assessment.region_code,
            entity=ENTITY,
            entity_id=assessment.id,
            action="created",
            after={
                "org_unit_code": assessment.org_unit_code,
                "indicator_code": assessment.indicator_code,
                "measurements": [p.value for p in points],
            },
        )
        log.info("self_assessment_created", assessment_id=assessment.id, n=len(points), by=self.principal.sub)
        return assessment

    async def replace_measurements(self, assessment_id: int, sample: Sample, reason: str | None) -> SelfAssessment:
        assessment = await self.load(assessment_id, write=True)
        before = [m.value for m in (await self.repo.measurements([assessment.id]))[assessment.id]]
        await self.repo.clear_measurements(assessment.id)
        points = _points(sample)
        self._add_measurements(assessment.id, points)
        assessment.version += 1
        self.audit.event(
            region_code=assessment.region_code,
            entity=ENTITY,
            entity_id=assessment.id,
            action="measurements_replaced",
            before=before,
            after=[p.value for p in points],
            reason=reason,
        )
        await self.repo.flush()
        return assessment

    # -- baseline ------------------------------------------------------------------------------

    async def baseline(self, code: str, region_code: str, indicator_code: str) -> BaselineRead:
        situation = await self.situations.get(code)
        require_reader(self.principal, region_code)
        assessments = await self.repo.assessments(situation.id, [region_code], indicator_code)
        measured = await self.repo.measurements([a.id for a in assessments])
        institutions = {i.id: i for i in await self.repo.institutions(situation.id, region_code)}
        rows: list[InstitutionBaseline] = []
        values: list[Decimal] = []
        warnings: list[str] = []
        direction = Direction(assessments[0].direction) if assessments else None
        for a in assessments:
            sample = [m.value for m in measured[a.id]]
            summary = rules.summarise(sample, Direction(a.direction))
            values.extend(sample)
            institution = institutions.get(a.institution_id)
            rows.append(
                InstitutionBaseline(
                    org_unit_code=a.org_unit_code,
                    rural=institution.rural if institution else None,
                    assessment_id=a.id,
                    n=summary.n,
                    sample_ok=summary.sample_ok,
                    current_value=summary.current_value,
                )
            )
            warning = rules.sample_warning(a.org_unit_code, summary.n)
            if warning:
                warnings.append(warning)
        assessed = {a.institution_id for a in assessments}
        facts = [rules.InstitutionFact(i.org_unit_code, i.rural) for i in institutions.values() if i.id in assessed]
        warnings = rules.institution_warnings(facts, region_code) + warnings
        if not assessments:
            warnings.insert(0, f"{region_code} has no self-assessment of {indicator_code} for this life situation")
        value = rules.worst(values, direction) if direction is not None else None
        return BaselineRead(
            life_situation_code=situation.code,
            region_code=region_code,
            indicator_code=indicator_code,
            direction=direction,
            unit=assessments[0].unit if assessments else None,
            value=value,
            measurements=len(values),
            institutions=rows,
            sample_ok=bool(rows) and all(r.sample_ok for r in rows) and not warnings,
            warnings=warnings,
        )

    async def apply_to_roadmap_kpi(
        self, roadmap_id: int, indicator_code: str, data: KpiBaselineFromAssessment
    ) -> KpiBaselineRead:
        """Set a draft roadmap KPI's baseline to the region's self-assessment value (journaled)."""
        roadmaps = RoadmapRepository(self.session)
        roadmap = await roadmaps.get(roadmap_id, Scope.of(self.principal))
        if roadmap is None:  # absent, or another region's: as if it did not exist
            raise RoadmapNotFound(roadmap_id)
        require_writer(self.principal, roadmap.region_code)
        locked_baseline(roadmap, "KPIs with their baselines and targets")
        kpi = next((k for k in await roadmaps.kpis(roadmap.id) if k.indicator_code == indicator_code), None)
        if kpi is None:
            raise KpiNotOnRoadmap(f"roadmap {roadmap.id} has no KPI {indicator_code}")
        summary = await self.baseline(data.life_situation_code, roadmap.region_code, indicator_code)
        if summary.value is None:
            raise BaselineNotAvailable(
                f"{roadmap.region_code} has no measurement of {indicator_code} for {data.life_situation_code}",
                reason="no_measurements",
            )
        if not summary.sample_ok and not data.accept_small_sample:
            raise BaselineNotAvailable(
                "the self-assessment falls short of the method's rule: "
                + "; ".join(summary.warnings)
                + " — measure more, or send accept_small_sample: true",
                reason="small_sample",
                warnings=summary.warnings,
            )
        previous = kpi.baseline
        kpi.baseline = summary.value
        Journal(roadmaps, self.principal.sub).record(
            roadmap_id=roadmap.id,
            entity="kpi",
            entity_id=roadmap.id,
            action="self_assessed",  # journal actions are at most 20 characters
            before={indicator_code: previous},
            after={indicator_code: kpi.baseline},
        )
        roadmap.version += 1
        await roadmaps.flush()
        log.info("kpi_baseline_from_self_assessment", roadmap_id=roadmap.id, indicator=indicator_code)
        return KpiBaselineRead(
            roadmap_id=roadmap.id,
            indicator_code=indicator_code,
            baseline=kpi.baseline,
            previous_baseline=previous,
            self_assessment=summary,
        )
