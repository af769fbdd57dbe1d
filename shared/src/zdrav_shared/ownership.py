"""Who owns a definition, and who may change it (CONTRACT.md, "Who may change what").

Definitions — indicators, questionnaires, deadline rules, report types — carry an ``owner``: an
org-unit code, ``RU`` for the federation or a region's code. Only the owner changes them: a
``federal`` caller owns ``RU``; a ``regional_admin`` owns the regions its token is scoped to. Every
other write is a 403 problem that names the owner, so the caller knows whom to ask.

Each service records the change itself (its own audit table) and serves it as
:class:`DefinitionChange` rows at ``GET …/{code}/history``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from zdrav_shared.auth import FEDERATION_CODE, Principal, Role
from zdrav_shared.problems import FieldError, Forbidden, Unprocessable

FEDERAL_OWNER = FEDERATION_CODE


def owners_of(principal: Principal) -> frozenset[str]:
    """The owners on whose behalf the caller may write definitions.

    A ``federal`` caller writes the federation's definitions; a ``regional_admin`` those of the
    org units its token is scoped to (a region's code for a ministry). Nobody else writes any."""
    owners: set[str] = set()
    if principal.has_role(Role.FEDERAL):
        owners.add(FEDERAL_OWNER)
    if principal.has_role(Role.REGIONAL_ADMIN):
        owners.update(code for code in principal.scope_org_units if code != FEDERAL_OWNER)
    return frozenset(owners)


def may_change(principal: Principal, owner: str) -> bool:
    """True when the caller may create or change a definition owned by ``owner``."""
    return owner in owners_of(principal)


def require_owner(principal: Principal, owner: str, what: str) -> None:
    """Raise 403 (``reason: not_owner``, naming the owner) unless the caller owns ``what``.

    ``what`` names the definition for the message, e.g. ``"indicator MUR_T02"``."""
    if may_change(principal, owner):
        return
    who = "the federal centre" if owner == FEDERAL_OWNER else f"region {owner}"
    raise Forbidden(
        f"{what} is owned by {owner} ({who}); only its owner may change it",
        reason="not_owner",
        owner=owner,
    )


def default_owner(principal: Principal, requested: str | None, pointer: str = "/owner") -> str:
    """The owner of a new definition: the one asked for (which the caller must own), else the
    caller's own — the federation for a ``federal`` caller, the region of a ``regional_admin``
    scoped to exactly one. A caller owning several must say which (422 at ``pointer``)."""
    owners = owners_of(principal)
    if requested is not None:
        require_owner(principal, requested, f"a definition owned by {requested}")
        return requested
    if FEDERAL_OWNER in owners:
        return FEDERAL_OWNER
    if len(owners) == 1:
        return next(iter(owners))
    if not owners:
        raise Forbidden("only federal and regional_admin callers own definitions", reason="not_owner")
    message = f"you may write definitions for {', '.join(sorted(owners))}: say which one owns this"
    raise Unprocessable(message, errors=[FieldError(pointer=pointer, message=message)])


class DefinitionChange(BaseModel):
    """One audited change of a definition: who, when, what it was, what it became, and why."""

    at: datetime
    actor: str = Field(description="The token's subject that made the change")
    action: str = Field(examples=["created", "updated", "deactivated", "formula_changed"])
    before: dict[str, Any] | None = Field(description="The definition before the change (null on creation)")
    after: dict[str, Any] | None = Field(description="The definition after the change")
    reason: str | None = None
