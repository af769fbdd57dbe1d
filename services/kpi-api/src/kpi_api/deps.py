"""Annotated dependency aliases used by the routers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from zdrav_shared.auth import Principal, Role, current_principal, role_required
from zdrav_shared.db import db_session
from zdrav_shared.orm import utcnow
from zdrav_shared.replica import ReadSession as ReadSession

Session = Annotated[AsyncSession, Depends(db_session)]
Caller = Annotated[Principal, Depends(current_principal)]
# Routes declare their roles at the door (docs/roles.md, OpenAPI x-roles); the service still checks
# scope and ownership.
RegionWriter = Annotated[Principal, Depends(role_required(Role.FEDERAL, Role.REGIONAL_ADMIN))]
WriterOrOperator = Annotated[Principal, Depends(role_required(Role.FEDERAL, Role.REGIONAL_ADMIN, Role.MO_OPERATOR))]
ReportSubmitter = Annotated[
    Principal, Depends(role_required(Role.FEDERAL, Role.REGIONAL_ADMIN, Role.MO_OPERATOR, Role.SERVICE))
]


def get_clock() -> Callable[[], datetime]:
    """The clock deadlines are judged by (tests replace it through ``dependency_overrides``)."""
    return utcnow


Clock = Annotated[Callable[[], datetime], Depends(get_clock)]
