"""Pure rules of an indicator's definition beyond its formula: how values are entered (``ratio`` with a
scale, a reporting level), the audited snapshot of a definition, and which level changes would move
approved figures."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kpi_api.indicators.rules import DEFAULT_RATIO_SCALE, Aggregation, IndicatorKind
from kpi_api.models import Indicator
from kpi_api.numbers import plain
from zdrav_shared.auth import FEDERATION_CODE
from zdrav_shared.contracts.org_units import OrgUnitLevel
from zdrav_shared.problems import Unprocessable

# What a roll-up reads when an indicator has no reporting level: every level (a unit's own value only
# where nothing below it reported). Completeness then expects organisations, as it always did.
ANY_LEVEL: frozenset[str] = frozenset(level.value for level in OrgUnitLevel)
DEFAULT_EXPECTED_LEVEL = OrgUnitLevel.ORGANISATION


def entry_methods(
    kind: IndicatorKind,
    aggregation: Aggregation | None,
    time_aggregation: Aggregation | None,
    scale: Decimal | None,
) -> tuple[Aggregation | None, Aggregation | None, Decimal | None]:
    """``(aggregation, time_aggregation, scale)`` to store for an indicator, or a 422 at the field.

    Inputs default to ``sum`` over org units and over time. A ``ratio`` input sums numerators and
    denominators over both (``time_aggregation`` absent or ``ratio``) and takes a ``scale`` (default
    100). Formula indicators take none of them: they are computed on aggregated inputs."""
    if kind is IndicatorKind.FORMULA:
        for name, given in (("aggregation", aggregation), ("time_aggregation", time_aggregation), ("scale", scale)):
            if given is not None:
                raise Unprocessable(
                    f"a formula indicator has no {name}: it is computed on aggregated inputs (ratio of sums)",
                    pointer=f"/{name}",
                )
        return None, None, None
    if aggregation is Aggregation.RATIO:
        if time_aggregation not in (None, Aggregation.RATIO):
            raise Unprocessable(
                "a ratio input sums its numerators and denominators over time as well: "
                "time_aggregation is ratio (or absent)",
                pointer="/time_aggregation",
            )
        return Aggregation.RATIO, Aggregation.RATIO, scale if scale is not None else DEFAULT_RATIO_SCALE
    if time_aggregation is Aggregation.RATIO:
        raise Unprocessable("time_aggregation ratio goes with aggregation ratio", pointer="/time_aggregation")
    if scale is not None:
        raise Unprocessable("scale goes with aggregation ratio", pointer="/scale")
    return aggregation or Aggregation.SUM, time_aggregation or Aggregation.SUM, None


def check_level_for_owner(owner: str, level: OrgUnitLevel | None) -> None:
    """A region's own indicator is reported inside the region: not by the federation."""
    if owner != FEDERATION_CODE and level is OrgUnitLevel.FEDERATION:
        raise Unprocessable(
            f"an indicator owned by {owner} is reported by org units of {owner}: the federation is not one",
            pointer="/reporting_level",
        )


def counted_levels(level: str | None) -> frozenset[str]:
    """The levels whose values a roll-up counts for a reporting level (None: any)."""
    return ANY_LEVEL if level is None else frozenset({level})


def moved_levels(old: str | None, new: str | None, approved: Iterable[str]) -> list[str]:
    """Levels holding approved values that a change of reporting level would count differently: those
    counted before or after but not both (approved values at one kept level read the same either way)."""
    return sorted(set(approved) & (counted_levels(old) ^ counted_levels(new)))


def snapshot(indicator: Indicator) -> dict[str, Any]:
    """The audited state of a definition (what ``GET /v1/indicators/{code}/history`` shows)."""

    def number(value: Decimal | None) -> str | None:
        return None if value is None else format(plain(value), "f")

    return {
        "code": indicator.code,
        "owner": indicator.owner,
        "name_ru": indicator.name_ru,
        "name_en": indicator.name_en,
        "description": indicator.description,
        "unit": indicator.unit,
        "kind": indicator.kind,
        "formula": indicator.formula,
        "aggregation": indicator.aggregation,
        "time_aggregation": indicator.time_aggregation,
        "scale": number(indicator.scale),
        "reporting_level": indicator.reporting_level,
        "direction": indicator.direction,
        "periodicity": indicator.periodicity,
        "precision": indicator.precision,
        "source": indicator.source,
        "source_metric": indicator.source_metric,
        "source_campaign": indicator.source_campaign,
        "on_track_ratio": number(indicator.on_track_ratio),
        "at_risk_ratio": number(indicator.at_risk_ratio),
        "declared_min": number(indicator.declared_min),
        "declared_max": number(indicator.declared_max),
        "active": indicator.active,
        "monitoring_level": indicator.monitoring_level,
        "approved": indicator.approved_at is not None,
        "control": indicator.control,
        "share_form": indicator.share_form,
        "cause_note_pct": number(indicator.cause_note_pct),
    }


def expected_level(indicator: Indicator) -> str:
    """The level whose units are expected to report the indicator: its reporting level, else organisations."""
    return indicator.reporting_level or DEFAULT_EXPECTED_LEVEL.value


def applies_to_region(indicator: Indicator, region_code: str | None) -> bool:
    """Federal indicators apply everywhere; a region's own only in that region."""
    return indicator.owner == FEDERATION_CODE or indicator.owner == region_code
