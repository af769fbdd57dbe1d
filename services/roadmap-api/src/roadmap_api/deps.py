"""Annotated dependency aliases used by the routers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.regions import WRITER_ROLES
from zdrav_shared.auth import Principal, Role, current_principal, role_required
from zdrav_shared.clients.kpi import KpiClient
from zdrav_shared.clients.org_units import OrgUnitClient
from zdrav_shared.db import db_session
from zdrav_shared.orm import utcnow


def org_unit_client(request: Request) -> OrgUnitClient:
    """kpi-api's org-unit registry (built in the lifespan)."""
    client: OrgUnitClient = request.app.state.org_units
    return client


def kpi_client(request: Request) -> KpiClient:
    """kpi-api's analytics (built in the lifespan)."""
    client: KpiClient = request.app.state.kpi
    return client


def get_clock() -> Callable[[], datetime]:
    """The clock approvals, cancellations and "today in the region" are read from (tests replace
    it through ``dependency_overrides``)."""
    return utcnow


Session = Annotated[AsyncSession, Depends(db_session)]
Caller = Annotated[Principal, Depends(current_principal)]
# Routes declare their roles at the door (docs/roles.md, OpenAPI x-roles); the service still checks
# scope, ownership and the operator's own organisation.
RegionWriter = Annotated[Principal, Depends(role_required(*WRITER_ROLES))]
WriterOrOperator = Annotated[Principal, Depends(role_required(*WRITER_ROLES, Role.MO_OPERATOR))]
OrgUnits = Annotated[OrgUnitClient, Depends(org_unit_client)]
Kpi = Annotated[KpiClient, Depends(kpi_client)]
Clock = Annotated[Callable[[], datetime], Depends(get_clock)]
# Ids are 32-bit INTEGER columns: a larger number in a path is a 422, not an overflow (500) in the driver.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
