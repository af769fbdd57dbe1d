"""Annotated dependency aliases used by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from zdrav_shared.auth import Principal, current_principal
from zdrav_shared.db import db_session

Session = Annotated[AsyncSession, Depends(db_session)]
Caller = Annotated[Principal, Depends(current_principal)]
