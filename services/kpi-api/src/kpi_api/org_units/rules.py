"""Pure rules of the org-unit hierarchy: which level may sit under which, codes and time zones."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from zdrav_shared.contracts.org_units import OrgUnitLevel

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,63}$")
REGION_CODE_PATTERN = re.compile(r"^RU-[A-Z]{2,3}$")
FEDERATION_CODE = "RU"

# Regional hospitals and dispensaries often report straight to the region, without a municipality.
ALLOWED_PARENTS: dict[OrgUnitLevel, frozenset[OrgUnitLevel]] = {
    OrgUnitLevel.FEDERATION: frozenset(),
    OrgUnitLevel.REGION: frozenset({OrgUnitLevel.FEDERATION}),
    OrgUnitLevel.MUNICIPALITY: frozenset({OrgUnitLevel.REGION}),
    OrgUnitLevel.ORGANISATION: frozenset({OrgUnitLevel.MUNICIPALITY, OrgUnitLevel.REGION}),
    OrgUnitLevel.SUBDIVISION: frozenset({OrgUnitLevel.ORGANISATION}),
}


def code_problem(code: str, level: OrgUnitLevel) -> str | None:
    """Why ``code`` is not acceptable for ``level``, or None."""
    if level is OrgUnitLevel.FEDERATION:
        return None if code == FEDERATION_CODE else f"the federation's code is {FEDERATION_CODE}"
    if not CODE_PATTERN.match(code):
        return "a code is 1–64 characters: capital Latin letters, digits, '-' and '.', starting with a letter or digit"
    if level is OrgUnitLevel.REGION and not REGION_CODE_PATTERN.match(code):
        return "a region's code is its ISO 3166-2:RU code, such as RU-MUR"
    return None


def parent_problem(level: OrgUnitLevel, parent_level: OrgUnitLevel | None) -> str | None:
    """Why a unit of ``level`` cannot sit under a parent of ``parent_level``, or None."""
    allowed = ALLOWED_PARENTS[level]
    if parent_level is None:
        return None if not allowed else f"a {level.value} needs a parent ({_names(allowed)})"
    if parent_level not in allowed:
        if not allowed:
            return f"a {level.value} has no parent"
        return f"a {level.value}'s parent must be a {_names(allowed)}, not a {parent_level.value}"
    return None


def timezone_problem(timezone: str | None, level: OrgUnitLevel) -> str | None:
    """Regions must name an IANA zone (deadlines are local); others may override their region's."""
    if timezone is None:
        return "a region needs its IANA time zone, e.g. Europe/Moscow" if level is OrgUnitLevel.REGION else None
    if timezone not in _zones():
        return f"'{timezone}' is not an IANA time zone (e.g. Europe/Moscow, Asia/Krasnoyarsk)"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"'{timezone}' is not an IANA time zone"
    return None


def child_path(parent_path: str | None, code: str) -> str:
    """The materialised path of a unit: its ancestors' codes and its own, slash-delimited."""
    return f"{parent_path or '/'}{code}/"


def path_codes(path: str) -> list[str]:
    """Codes from the root down to the unit itself."""
    return [c for c in path.split("/") if c]


def _names(levels: frozenset[OrgUnitLevel]) -> str:
    order = list(OrgUnitLevel)
    return " or ".join(level.value for level in sorted(levels, key=order.index))


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES
