"""Region scoping (DESIGN §5) and org-unit checks shared by every feature.

Every object of this service belongs to a region. Writers are ``federal``, or ``regional_admin``
whose scope covers the region; readers are any role whose scope covers it. Regions sit directly
under the federation, so an object's lineage is ``[RU, region_code]`` — the region's ``path`` in
kpi-api — and it needs no peer call once the region was checked at creation.
"""

from __future__ import annotations

from collections.abc import Sequence

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
