"""Session-scoped tokens: a participant's voting token and an observer's read-only token.

Like kiosk tokens they are opaque, shown once, stored as a SHA-256 hash and told from a JWT by their
prefix (``zv_`` voting, ``zo_`` observer) without decoding anything. They are sent the ordinary way,
``Authorization: Bearer <token>``.

**When a session ends.** A session ends at its ``ends_at`` when one is set (``POST
…/{id}/end`` sets it to now), otherwise when its last voting window closes. A voting token is valid
for its participant in its session only (and only in the sections it names, when it names any)
until the session ends; an observer token reads its session until :data:`OBSERVER_GRACE` after the
end, so the results can still be read. Both are checked at each use, so ending a session early
invalidates them at once. Re-issuing a participant's voting token revokes the previous one (a lost
phone).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from roadmap_api.common import as_utc
from roadmap_api.deps import Session
from roadmap_api.models import SessionToken, StrategicSession
from roadmap_api.regions import WRITER_ROLES
from roadmap_api.sessions.repository import SessionRepository
from zdrav_shared.auth import Principal, RolesRequired, current_principal, user_bearer
from zdrav_shared.orm import utcnow
from zdrav_shared.problems import Forbidden, Unauthorized

VOTING_PREFIX = "zv_"
OBSERVER_PREFIX = "zo_"
OBSERVER_GRACE = timedelta(days=30)
VOTING, OBSERVER = "voting", "observer"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(kind: str) -> str:
    return (VOTING_PREFIX if kind == VOTING else OBSERVER_PREFIX) + secrets.token_urlsafe(32)


async def session_end(repo: SessionRepository, session: StrategicSession) -> datetime | None:
    """``ends_at`` when set, else the close of the last voting window (None: no end known yet)."""
    if session.ends_at is not None:
        return as_utc(session.ends_at)
    last = await repo.last_close(session.id)
    return as_utc(last) if last is not None else None


@dataclass(frozen=True, slots=True)
class Grant:
    """What a session token allows: read its session; a voting token also votes as its participant."""

    token_id: int
    session_id: int
    kind: str
    participant_id: int | None
    section_codes: tuple[str, ...] | None
    name: str | None

    def require_session(self, session_id: int) -> None:
        if session_id != self.session_id:
            raise Forbidden(
                f"this {self.kind} token is valid in strategic session {self.session_id} only",
                reason="token_other_session",
            )

    def require_section(self, section_code: str, known: bool) -> None:
        if not known or (self.section_codes is not None and section_code not in self.section_codes):
            raise Forbidden(
                f"this {self.kind} token is not valid for section {section_code} of session {self.session_id}",
                reason="token_other_section",
            )


@dataclass(frozen=True, slots=True)
class SessionCaller:
    """A signed-in user (``grant`` None) or the holder of a session token."""

    principal: Principal
    grant: Grant | None = None


async def authenticate(db: AsyncSession, token: str, now: datetime | None = None) -> Grant:
    """The grant of a session token; 401 when unknown, revoked, or its session is over."""
    repo = SessionRepository(db)
    row = await repo.token_by_hash(hash_token(token))
    if row is None:
        raise Unauthorized("the session token is not known")
    if row.revoked_at is not None:
        raise Unauthorized("the session token has been revoked")
    parent = await repo.get(row.session_id)
    if parent is None:  # pragma: no cover - the token row cascades with its session
        raise Unauthorized("the session token is not known")
    end = await session_end(repo, parent)
    moment = now or utcnow()
    if end is not None:
        limit = end if row.kind == VOTING else end + OBSERVER_GRACE
        if moment >= limit:
            raise Unauthorized(f"strategic session {parent.id} ended at {end.isoformat()}; the token has expired")
    return grant_of(row)


def grant_of(row: SessionToken) -> Grant:
    return Grant(
        token_id=row.id,
        session_id=row.session_id,
        kind=row.kind,
        participant_id=row.participant_id,
        section_codes=tuple(row.section_codes) if row.section_codes is not None else None,
        name=row.name,
    )


session_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="SessionToken",
    bearerFormat="opaque session token (zv_… voting, zo_… observer)",
    description=(
        "A strategic session's voting token (`zv_…`, shown once when a participant's token is issued) or "
        "observer token (`zo_…`), sent as `Authorization: Bearer …`. It is valid in its own session only."
    ),
)


async def session_caller(
    request: Request,
    db: Session,
    # Both schemes read the same header; declaring both tells the OpenAPI document (and its clients)
    # that either a user JWT or a session token is accepted.
    user: Annotated[HTTPAuthorizationCredentials | None, Depends(user_bearer)] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(session_bearer)] = None,
) -> SessionCaller:
    """FastAPI dependency: a session token (``zv_…``/``zo_…``) or a user JWT."""
    if credentials is None:
        raise Unauthorized("a bearer token is required: a user JWT or a session token")
    token = credentials.credentials
    if token.startswith((VOTING_PREFIX, OBSERVER_PREFIX)):
        grant = await authenticate(db, token)
        principal = Principal(sub=f"session-token:{grant.token_id}", roles=frozenset(), scope_org_units=frozenset())
        return SessionCaller(principal, grant)
    return SessionCaller(await current_principal(request, user))


SessionAccess = Annotated[SessionCaller, Depends(session_caller)]


class SessionRolesRequired(RolesRequired):
    """Declares the user roles a session route admits (the OpenAPI ``x-roles`` and docs/roles.md read
    it like any :class:`~zdrav_shared.auth.RolesRequired`) and enforces them on user tokens; a session
    token passes here and is held to its grant by the service (a voting token votes as its participant
    only, an observer token writes nothing)."""

    async def __call__(self, caller: SessionAccess) -> SessionCaller:  # type: ignore[override]
        if caller.grant is None:
            await super().__call__(caller.principal)  # the door of every RolesRequired
        return caller


SessionWriter = Annotated[SessionCaller, Depends(SessionRolesRequired(*WRITER_ROLES))]
"""A write of a session: ``federal`` or ``regional_admin`` with a user token (the service checks the
region), or a session token as far as its grant goes."""
