"""The caller's org-unit scope as subtree path prefixes, for repositories to put into their WHERE clauses.

DESIGN §5: an operator of RU-MUR can neither read nor write RU-KYA data, and that is enforced in the
queries themselves, not only by checks in front of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from kpi_api.org_units.repository import OrgUnitRepository
from kpi_api.org_units.rules import path_codes
from zdrav_shared.auth import Principal, require_scope


@dataclass(frozen=True, slots=True)
class Scope:
    """``paths`` is None for callers who see everything (federal, services, scope ``RU``)."""

    principal: Principal
    paths: tuple[str, ...] | None

    def clause(self, path_column: QueryableAttribute[str]) -> ColumnElement[bool] | None:
        """A WHERE condition limiting ``path_column`` to the scope, or None for no limit."""
        if self.paths is None:
            return None
        if not self.paths:
            return false()
        return or_(*[path_column.startswith(p, autoescape=True) for p in self.paths])

    def covers_path(self, path: str) -> bool:
        return self.principal.covers(path_codes(path))

    def require(self, path: str, code: str) -> None:
        require_scope(self.principal, path_codes(path), code)


async def scope_of(session: AsyncSession, principal: Principal) -> Scope:
    """Resolve the caller's scope roots to materialised paths (one query)."""
    if principal.is_federal:
        return Scope(principal, None)
    paths: Sequence[str] = await OrgUnitRepository(session).paths_of(sorted(principal.scope_org_units))
    return Scope(principal, tuple(paths))
