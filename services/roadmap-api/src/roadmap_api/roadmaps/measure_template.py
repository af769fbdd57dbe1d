"""Measures as the method's roadmap template (Приложение 2) has them: the federal-level flag "(Ф)"
with the proposals for the federal roadmap, the reused assets (свои и чужие готовые наработки) and
the catalogue best practices the measure uses (checked against ``/v1/best-practices``).

A measure is federal-level when the caller says so, or — when the caller does not say — when its
solution carries the method's marker "(Ф)" or it has proposals for the federal roadmap. Proposals on
a measure explicitly marked not federal-level are refused: they would never reach the federal list.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.best_practices.service import check_best_practice_codes
from roadmap_api.models import Measure
from roadmap_api.roadmaps.schemas import MeasureCreate, MeasureRead
from zdrav_shared.problems import Unprocessable

FEDERAL_MARKER = "(Ф)"


def is_federal_level(data: MeasureCreate) -> bool:
    """The flag as given, else derived from the "(Ф)" marker or the presence of proposals."""
    if data.federal_level is not None:
        return data.federal_level
    return FEDERAL_MARKER in data.solution or bool(data.federal_proposals)


async def check_measures(session: AsyncSession, measures: Sequence[MeasureCreate], pointer: str = "") -> None:
    """422 for unknown best-practice codes or proposals on a measure marked not federal-level."""
    for n, data in enumerate(measures):
        where = f"{pointer}/{n}" if pointer else ""
        if data.federal_level is False and data.federal_proposals:
            raise Unprocessable(
                "proposals for the federal roadmap need a federal-level measure (federal_level true)",
                pointer=f"{where}/federal_proposals",
            )
        await check_best_practice_codes(session, data.best_practice_codes, f"{where}/best_practice_codes")


def template_fields(data: MeasureCreate) -> dict[str, object]:
    """The template columns of a new measure."""
    return {
        "federal_level": is_federal_level(data),
        "federal_proposals": list(data.federal_proposals),
        "reused_assets": list(data.reused_assets),
        "best_practice_codes": list(dict.fromkeys(data.best_practice_codes)),
    }


def measure_read(m: Measure) -> MeasureRead:
    return MeasureRead(
        id=m.id,
        problem=m.problem,
        causes=m.causes,
        solution=m.solution,
        best_practices=m.best_practices,
        federal_level=bool(m.federal_level),
        federal_proposals=list(m.federal_proposals or []),
        reused_assets=list(m.reused_assets or []),
        best_practice_codes=list(m.best_practice_codes or []),
    )
