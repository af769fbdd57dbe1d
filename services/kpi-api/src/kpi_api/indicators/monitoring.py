"""The national method's monitoring levels: which changes of an indicator's definition are refused.

* ``core`` (основной мониторинг): fixed once set — its definition never changes again;
* ``supplementary_mandatory`` (обязательный дополнительный): fixed once approved;
* ``auxiliary`` (вспомогательный): may be added or changed each quarter.

What counts as the definition: what a value means and how it rolls up (formula, unit, direction,
aggregation, scale, reporting level, declared bounds, share form) and the level itself. Names,
descriptions, thresholds and the control flag stay open. Switching a fixed indicator off is refused
too: it would stop every region reporting it, which is a change of the monitoring itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from kpi_api.models import Indicator
from zdrav_shared.problems import Conflict


class MonitoringLevel(StrEnum):
    CORE = "core"
    SUPPLEMENTARY_MANDATORY = "supplementary_mandatory"
    AUXILIARY = "auxiliary"


class ShareForm(StrEnum):
    """How a share is written: 0.855 (``fraction``) or 85.5 (``percent``)."""

    FRACTION = "fraction"
    PERCENT = "percent"


DEFINITION_FIELDS = (
    "formula",
    "unit",
    "direction",
    "aggregation",
    "time_aggregation",
    "scale",
    "reporting_level",
    "declared_min",
    "declared_max",
    "share_form",
    "monitoring_level",
)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


def changed_definition(indicator: Indicator, changes: Mapping[str, Any]) -> list[str]:
    """The definition fields ``changes`` would really change (a field sent with its current value is not)."""
    return [name for name in DEFINITION_FIELDS if name in changes and _plain(changes[name]) != getattr(indicator, name)]


def refuse_fixed_change(indicator: Indicator, changes: Mapping[str, Any]) -> None:
    """409 when the indicator's level fixes its definition and ``changes`` would alter it."""
    changed = changed_definition(indicator, changes)
    if changes.get("active") is False and indicator.active:
        changed.append("active")
    if not changed:
        return
    level = indicator.monitoring_level
    if level == MonitoringLevel.CORE:
        raise Conflict(
            f"{indicator.code} is a core monitoring indicator: its definition is fixed ({', '.join(changed)})",
            pointer=f"/{changed[0]}",
            reason="core_fixed",
        )
    if level == MonitoringLevel.SUPPLEMENTARY_MANDATORY and indicator.approved_at is not None:
        raise Conflict(
            f"{indicator.code} is an approved mandatory supplementary indicator: its definition is fixed "
            f"({', '.join(changed)})",
            pointer=f"/{changed[0]}",
            reason="approved_fixed",
        )
