"""All SQL of life situations, their institutions and self-assessments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.models import (
    LifeSituation,
    LifeSituationInstitution,
    SelfAssessment,
    SelfAssessmentMeasurement,
)


class LifeSituationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *objects: object) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        await self.session.flush()

    async def by_code(self, code: str) -> LifeSituation | None:
        result = await self.session.execute(select(LifeSituation).where(LifeSituation.code == code))
        return result.scalar_one_or_none()

    async def list_situations(self, after_id: int | None, limit: int) -> list[LifeSituation]:
        query = select(LifeSituation)
        if after_id is not None:
            query = query.where(LifeSituation.id > after_id)
        return list((await self.session.execute(query.order_by(LifeSituation.id).limit(limit))).scalars())

    # -- institutions --------------------------------------------------------------------------

    async def institution(self, life_situation_id: int, org_unit_code: str) -> LifeSituationInstitution | None:
        result = await self.session.execute(
            select(LifeSituationInstitution).where(
                LifeSituationInstitution.life_situation_id == life_situation_id,
                LifeSituationInstitution.org_unit_code == org_unit_code,
            )
        )
        return result.scalar_one_or_none()

    async def institutions(self, life_situation_id: int, region_code: str) -> list[LifeSituationInstitution]:
        result = await self.session.execute(
            select(LifeSituationInstitution)
            .where(
                LifeSituationInstitution.life_situation_id == life_situation_id,
                LifeSituationInstitution.region_code == region_code,
            )
            .order_by(LifeSituationInstitution.id)
        )
        return list(result.scalars())

    async def institution_by_id(self, institution_id: int) -> LifeSituationInstitution | None:
        return await self.session.get(LifeSituationInstitution, institution_id)

    # -- self-assessments ----------------------------------------------------------------------

    async def assessment(self, assessment_id: int) -> SelfAssessment | None:
        return await self.session.get(SelfAssessment, assessment_id)

    async def assessment_for(self, institution_id: int, indicator_code: str) -> SelfAssessment | None:
        result = await self.session.execute(
            select(SelfAssessment).where(
                SelfAssessment.institution_id == institution_id, SelfAssessment.indicator_code == indicator_code
            )
        )
        return result.scalar_one_or_none()

    async def assessments(
        self,
        life_situation_id: int,
        regions: Sequence[str] | None,
        indicator_code: str | None = None,
        after_id: int | None = None,
        limit: int | None = None,
    ) -> list[SelfAssessment]:
        query = select(SelfAssessment).where(SelfAssessment.life_situation_id == life_situation_id)
        if regions is not None:
            query = query.where(SelfAssessment.region_code.in_(list(regions)))
        if indicator_code is not None:
            query = query.where(SelfAssessment.indicator_code == indicator_code)
        if after_id is not None:
            query = query.where(SelfAssessment.id > after_id)
        query = query.order_by(SelfAssessment.id)
        if limit is not None:
            query = query.limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def measurements(self, assessment_ids: Sequence[int]) -> dict[int, list[SelfAssessmentMeasurement]]:
        """Measurements per assessment, in the order they were given."""
        if not assessment_ids:
            return {}
        result = await self.session.execute(
            select(SelfAssessmentMeasurement)
            .where(SelfAssessmentMeasurement.assessment_id.in_(list(assessment_ids)))
            .order_by(SelfAssessmentMeasurement.id)
        )
        grouped: dict[int, list[SelfAssessmentMeasurement]] = {i: [] for i in assessment_ids}
        for m in result.scalars():
            grouped[m.assessment_id].append(m)
        return grouped

    async def clear_measurements(self, assessment_id: int) -> None:
        await self.session.execute(
            delete(SelfAssessmentMeasurement).where(SelfAssessmentMeasurement.assessment_id == assessment_id)
        )
