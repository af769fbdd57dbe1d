"""Region scoping (DESIGN §5) and org-unit checks shared by every feature.

Every object of this service belongs to a region. Writers are ``federal``, or ``regional_admin``
whose scope covers the region; readers are any role whose scope covers it. Regions sit directly
under the federation, so an object's lineage is ``[RU, region_code]`` — the region's ``path`` in
kpi-api — and it needs no peer call once the region was checked at creation.

An id outside the caller's scope is answered exactly like an id that does not exist (404, same
body): a by-id read or write first asks :func:`in_scope` (or puts :class:`Scope` into its query) and
only then checks the role (403 for a caller who may see the object but not change it). A task is
also visible to the callers whose scope covers the org unit that carries it out (its
``org_unit_path``), so that a polyclinic's ``mo_operator`` sees and updates its own tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from zdrav_shared.auth import FEDERATION_CODE, Principal, Role, require_role, require_scope
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.contracts.org_units import OrgUnitLevel, OrgUnitRef
from zdrav_shared.problems import Unprocessable

WRITER_ROLES = (Role.FEDERAL, Role.REGIONAL_ADMIN)


def region_lineage(region_code: str) -> list[str]:
    """The lineage of a region (its path from the federation)."""
    return [FEDERATION_CODE, region_code]


def require_writer(principal: Principal, region_code: str, lineage: Sequence[str] | None = None) -> None:
    """403 unless the caller may change data of the region."""
    require_role(principal, *WRITER_ROLES)
    require_scope(principal, lineage or region_lineage(region_code), region_code)


def require_reader(principal: Principal, region_code: str) -> None:
    """403 unless the caller's scope covers the region."""
    require_scope(principal, region_lineage(region_code), region_code)


def local_date(timezone: str | None, moment: datetime) -> date:
    """The date of ``moment`` in a region's time zone (Russia spans 11 zones); UTC when unknown."""
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return moment.astimezone(zone).date()


def in_scope(principal: Principal, region_code: str) -> bool:
    """True when the caller may see objects of the region; a by-id lookup answers 404 otherwise."""
    return principal.covers(region_lineage(region_code))


def org_unit_path(lineage: Sequence[str]) -> str:
    """The stored form of an org unit's lineage, ``/RU/RU-MUR/…/MUR-GP1/``, matched by scope."""
    return "/" + "/".join(lineage) + "/"


@dataclass(frozen=True, slots=True)
class Scope:
    """The org units a caller's queries are limited to: ``codes`` is ``None`` for every org unit
    (federal callers and services), else the caller's scope codes."""

    codes: frozenset[str] | None

    @classmethod
    def of(cls, principal: Principal) -> Scope:
        return cls(None if principal.is_federal else frozenset(principal.scope_org_units))

    def covers_region(self, region_code: str) -> bool:
        return self.codes is None or region_code in self.codes

    def covers_path(self, path: str | None) -> bool:
        if self.codes is None:
            return True
        return path is not None and any(f"/{code}/" in path for code in self.codes)

    def region_clause(self, column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """``column`` (a region code) inside the scope."""
        return true() if self.codes is None else column.in_(sorted(self.codes))

    def path_clause(self, column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
        """An org-unit lineage ``column`` passing through one of the scope's codes."""
        if self.codes is None:
            return true()
        if not self.codes:
            return false()
        return or_(*(column.contains(f"/{code}/", autoescape=True) for code in sorted(self.codes)))


def readable_regions(principal: Principal) -> list[str] | None:
    """Region codes a list query is limited to, or ``None`` for every region (federal callers)."""
    if principal.is_federal:
        return None
    return sorted(principal.scope_org_units)


async def resolve_region(
    org_units: OrgUnitClient | None, code: str, pointer: str = "/region_code"
) -> OrgUnitRef | None:
    """Check that ``code`` is a region known to kpi-api (422 otherwise; 503 when kpi-api is down).

    ``org_units`` is ``None`` only for the demo loader, which trusts its own data.
    """
    if org_units is None:
        return None
    unit = await org_units.get(code)
    if unit is None:
        raise Unprocessable(f"there is no org unit with code {code}", pointer=pointer)
    if unit.level is not OrgUnitLevel.REGION:
        raise Unprocessable(f"{code} is a {unit.level.value}, not a region", pointer=pointer)
    return unit


async def check_org_unit_in_region(
    org_units: OrgUnitClient | None, code: str, region_code: str, pointer: str
) -> OrgUnitRef | None:
    """Check that the org unit exists and lies inside the region (422 otherwise)."""
    if org_units is None:
        return None
    unit = await org_units.get(code)
    if unit is None:
        raise Unprocessable(f"there is no org unit with code {code}", pointer=pointer)
    if region_code not in unit.path and unit.region_code != region_code:
        raise Unprocessable(f"org unit {code} is not in region {region_code}", pointer=pointer)
    return unit
