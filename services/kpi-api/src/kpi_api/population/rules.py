"""Population figures as the programmes use them (pure rules).

The Murmansk programme (indicator 23, the tariff agreement of the territorial compulsory insurance
fund) pays medical organisations in rural areas, workers' and urban-type settlements and small towns
(under 50 000 people) a differentiation coefficient by the size of their attached population:

====== ========================== ===========
group  attached population        coefficient
====== ========================== ===========
1      under 2 000                1.14
2      2 000 to under 5 000       1.13
3      5 000 to under 10 000      1.12
4      10 000 to under 20 000     1.113
5      20 000 to under 35 000     1.075
6      35 000 to under 50 000     1.04
====== ========================== ===========

The printed bands read "до 2 тысяч", "от 2 до 5 тысяч", …: a boundary belongs to the band it opens
(exactly 2 000 people is group 2); 50 000 and more is in no group.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class PopulationKind(StrEnum):
    """``attached``: people attached to a medical organisation (прикреплённое население);
    ``resident``: people living in a territory (Rosstat's постоянное население)."""

    ATTACHED = "attached"
    RESIDENT = "resident"


class Subordination(StrEnum):
    """Who runs an organisation (подчинённость), apart from where it is."""

    FEDERAL = "federal"
    REGIONAL = "regional"
    MUNICIPAL = "municipal"
    PRIVATE = "private"


class SettlementType(StrEnum):
    """Where an org unit is, in the programmes' words: a city, a small town (under 50 000 people), an
    urban-type or workers' settlement, or a rural area."""

    URBAN = "urban"
    SMALL_TOWN = "small_town"
    URBAN_TYPE_SETTLEMENT = "urban_type_settlement"
    WORKERS_SETTLEMENT = "workers_settlement"
    RURAL = "rural"


DIFFERENTIATED_SETTLEMENTS = frozenset(
    {
        SettlementType.RURAL,
        SettlementType.WORKERS_SETTLEMENT,
        SettlementType.URBAN_TYPE_SETTLEMENT,
        SettlementType.SMALL_TOWN,
    }
)
"""Where the Murmansk coefficient applies: rural areas, workers' and urban-type settlements, small towns."""

INDICATOR_OF_KIND = {PopulationKind.ATTACHED: "POPULATION_ATTACHED", PopulationKind.RESIDENT: "POPULATION_RESIDENT"}
KIND_OF_INDICATOR = {code: kind for kind, code in INDICATOR_OF_KIND.items()}


@dataclass(frozen=True, slots=True)
class Band:
    group: int
    low: int
    high: int
    coefficient: Decimal

    @property
    def label_ru(self) -> str:
        if self.low == 0:
            return f"до {self.high:,} человек".replace(",", " ")
        return f"от {self.low:,} до {self.high:,} человек".replace(",", " ")


MURMANSK_BANDS: tuple[Band, ...] = (
    Band(1, 0, 2_000, Decimal("1.14")),
    Band(2, 2_000, 5_000, Decimal("1.13")),
    Band(3, 5_000, 10_000, Decimal("1.12")),
    Band(4, 10_000, 20_000, Decimal("1.113")),
    Band(5, 20_000, 35_000, Decimal("1.075")),
    Band(6, 35_000, 50_000, Decimal("1.04")),
)


def differentiation_band(attached: Decimal | int | None) -> Band | None:
    """The Murmansk band of an attached population (``None`` for none, negative, or 50 000 and more)."""
    if attached is None or attached < 0:
        return None
    for band in MURMANSK_BANDS:
        if band.low <= attached < band.high:
            return band
    return None
