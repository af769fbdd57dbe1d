"""Self-assessment rules of the national method (самообследование), as pure functions.

* **Institutions**: at least two per life situation in a region, among them one in a town and one in
  the countryside ("не менее двух учреждений на ЖС, в том числе … в городе и в сельской
  местности"). Fewer, or no rural or no urban one, is a *warning*: the data is kept, the region is
  told what is missing.
* **Sample**: at least 10 process-time measurements per institution. Fewer are accepted with
  ``sample_ok: false`` — a region reports what it measured, and the flag says it is not enough.
* **Current value**: the *worst* measurement ("худшее из выявленных в ходе замеров значение") —
  the largest for a lower-is-better time, the smallest for a higher-is-better quantity. A region's
  baseline for an indicator is the worst measurement over all its institutions of that life
  situation: the method takes the worst case, and one institution's worst is not better for being
  averaged with another's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from roadmap_api.improvements.rules import Direction

MIN_MEASUREMENTS = 10
MIN_INSTITUTIONS = 2


def worst(values: Sequence[Decimal], direction: Direction) -> Decimal | None:
    """The worst value: max for lower-is-better, min for higher-is-better; None for no values."""
    if not values:
        return None
    return max(values) if direction is Direction.LOWER_IS_BETTER else min(values)


def best(values: Sequence[Decimal], direction: Direction) -> Decimal | None:
    """The best value (the opposite end from :func:`worst`)."""
    if not values:
        return None
    return min(values) if direction is Direction.LOWER_IS_BETTER else max(values)


@dataclass(frozen=True, slots=True)
class SampleSummary:
    """One institution's measurements: how many, whether enough, the worst (current) value."""

    n: int
    sample_ok: bool
    current_value: Decimal | None
    best_value: Decimal | None
    mean: Decimal | None


def summarise(values: Sequence[Decimal], direction: Direction, minimum: int = MIN_MEASUREMENTS) -> SampleSummary:
    """Summary of one institution's sample; the mean is reported beside, never used as the value."""
    n = len(values)
    mean = sum(values, Decimal(0)) / n if n else None
    return SampleSummary(n, n >= minimum, worst(values, direction), best(values, direction), mean)


def sample_warning(org_unit_code: str, n: int, minimum: int = MIN_MEASUREMENTS) -> str | None:
    if n >= minimum:
        return None
    return f"{org_unit_code}: {n} measurement(s); the method asks for at least {minimum} per institution"


@dataclass(frozen=True, slots=True)
class InstitutionFact:
    org_unit_code: str
    rural: bool | None


def institution_warnings(institutions: Sequence[InstitutionFact], region_code: str) -> list[str]:
    """What the region's institutions of a life situation lack against the method's rule."""
    warnings: list[str] = []
    if len(institutions) < MIN_INSTITUTIONS:
        warnings.append(
            f"{region_code} has {len(institutions)} institution(s) for this life situation; "
            f"the method asks for at least {MIN_INSTITUTIONS}, urban and rural"
        )
    if not any(i.rural is True for i in institutions):
        warnings.append(f"{region_code} has no rural institution for this life situation")
    if not any(i.rural is False for i in institutions):
        warnings.append(f"{region_code} has no urban institution for this life situation")
    unknown = [i.org_unit_code for i in institutions if i.rural is None]
    if unknown:
        warnings.append(f"urban or rural is not known for: {', '.join(unknown)}")
    return warnings
