"""Which org units' values roll up: analytics' ``kind`` and ``subordination`` filters.

A filter applies to the org unit a value is entered for (an organisation, usually): with
``kind=adult_polyclinic&subordination=municipal`` a region's figure adds up the values of its municipal
adult polyclinics only. Figures a peer rolled up for a whole subtree (survey, roadmap) cannot be
filtered and have no value under a filter (``reason: unit_filter_not_applicable``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement

from kpi_api.models import OrgUnit

NOT_APPLICABLE = "unit_filter_not_applicable"


@dataclass(frozen=True, slots=True)
class UnitFilter:
    kinds: tuple[str, ...] = ()
    subordinations: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.kinds or self.subordinations)

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.kinds:
            found.append(OrgUnit.kind.in_(self.kinds))
        if self.subordinations:
            found.append(OrgUnit.subordination.in_(self.subordinations))
        return found
