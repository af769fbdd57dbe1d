"""The built-in population inputs: indicators whose values are the org units' population figures.

``POPULATION_ATTACHED`` and ``POPULATION_RESIDENT`` are ordinary input indicators for formulas
(``DOCTORS * 10000 / POPULATION_ATTACHED``): monthly, so that monthly, quarterly and yearly formulas may
use them, summed over org units, and "last" over time. Analytics does not read entered values for
them: the value of an org unit in a period is the sum, over the units of its subtree, of each unit's
latest figure dated on or before the period's last day (:mod:`kpi_api.population.overlay`), so a
formula over them is a ratio of sums like any other.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kpi_api.indicators.repository import IndicatorRepository
from kpi_api.indicators.rules import Source
from kpi_api.models import Indicator
from kpi_api.population.rules import INDICATOR_OF_KIND, PopulationKind
from zdrav_shared.ownership import FEDERAL_OWNER

NAMES_RU = {
    PopulationKind.ATTACHED: "Численность прикреплённого населения (по данным на дату)",
    PopulationKind.RESIDENT: "Численность постоянного населения (по данным на дату)",
}


async def ensure_population_indicators(
    session: AsyncSession, kinds: tuple[PopulationKind, ...] = tuple(PopulationKind)
) -> int:
    """Insert the population inputs of ``kinds`` that are missing; an existing one is left as it is."""
    repo = IndicatorRepository(session)
    added = 0
    for kind in kinds:
        code = INDICATOR_OF_KIND[kind]
        if await repo.get(code) is not None:
            continue
        row = Indicator(
            code=code,
            name_ru=NAMES_RU[kind],
            description="Values come from POST /v1/org-units/{code}/population; entered values are not read.",
            unit="чел.",
            kind="input",
            aggregation="sum",
            time_aggregation="last",
            direction="higher_is_better",
            periodicity="month",
            precision=0,
            source=Source.POPULATION.value,
            owner=FEDERAL_OWNER,  # built in, like the national KPIs: nobody's region
            on_track_ratio=Decimal("0.95"),
            at_risk_ratio=Decimal("0.85"),
            active=True,
            version=1,
        )
        try:
            # Two first figures at once may both get here: the second finds the input there.
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:
            continue
        added += 1
    return added


_REFERENCE = re.compile(r"\bPOPULATION_(ATTACHED|RESIDENT)\b")


async def ensure_for_formula(session: AsyncSession, formula: str | None) -> None:
    """Make the population inputs a formula names exist, so that ``DOCTORS * 10000 /
    POPULATION_ATTACHED`` can be defined before the first figure is recorded."""
    kinds = tuple(PopulationKind(m.lower()) for m in dict.fromkeys(_REFERENCE.findall(formula or "")))
    if kinds:
        await ensure_population_indicators(session, kinds)
