"""Who may read drafts in analytics: the users of the region asked about (``data=all``).

Drafts are a region's work in progress — an operator's unsubmitted typo must not move any figure
outside the region. So ``data=all`` needs every org unit asked about to lie in a region, and the
caller's scope to reach into that region; a federal or service caller (scope ``RU``) is refused.
"""

from __future__ import annotations

from kpi_api.models import OrgUnit
from kpi_api.org_units.rules import path_codes
from kpi_api.scope import Scope
from zdrav_shared.problems import Forbidden


def drafts_allowed(scope: Scope, units: list[OrgUnit]) -> None:
    """``data=all`` (drafts) only for callers of the region of every unit asked about."""
    if scope.paths is None:
        raise Forbidden(
            "drafts stay inside their region: data=all is for users of the region asked about; "
            "read data=submitted (the default) or data=approved",
            reason="drafts_outside_region",
            pointer="/query/data",
        )
    for unit in units:
        codes = path_codes(unit.path)
        region = "/" + "/".join(codes[:2]) + "/" if len(codes) >= 2 else None
        if region is None or not any(p.startswith(region) for p in scope.paths):
            where = f"region {codes[1]}" if len(codes) >= 2 else "no region"
            raise Forbidden(
                f"drafts stay inside their region: {unit.code} lies in {where}, and data=all is for that "
                "region's users only; read data=submitted (the default) or data=approved",
                reason="drafts_outside_region",
                pointer="/query/data",
            )
