"""Annotated dependency aliases used by the routers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.kiosks.service import TOKEN_PREFIX, KioskService, hash_token
from survey_api.kiosks.token_cache import AuthenticatedKiosk, KioskTokenCache
from zdrav_shared.auth import Principal, current_principal
from zdrav_shared.db import db_session
from zdrav_shared.problems import TooManyRequests, Unauthorized
from zdrav_shared.replica import ReadSession as ReadSession

Session = Annotated[AsyncSession, Depends(db_session)]
Caller = Annotated[Principal, Depends(current_principal)]

_kiosk_bearer = HTTPBearer(
    auto_error=False, scheme_name="KioskToken", description="A kiosk's opaque token from POST /v1/kiosks"
)
_any_bearer = HTTPBearer(
    auto_error=False, scheme_name="UserOrKioskToken", description="A user JWT, or a kiosk's opaque token"
)


async def _authenticated_kiosk(request: Request, token: str) -> AuthenticatedKiosk:
    state = request.app.state
    tokens: KioskTokenCache = state.kiosk_tokens
    # A token accepted moments ago needs no session at all (kiosks.token_cache); refused tokens are
    # never cached, so they always reach the database.
    kiosk = tokens.get(hash_token(token))
    if kiosk is None:
        # A short session of its own: ingestion writes through writers of its own
        # (responses.writers), so the request itself holds no session.
        async with state.db.sessionmaker() as session:
            kiosk = await KioskService(session, state.campaigns, tokens).authenticate(token)
    # Cached or not, every request spends from the kiosk's bucket.
    retry_after = state.kiosk_limiter.take(kiosk.id)
    if retry_after is not None:
        raise TooManyRequests(f"kiosk {kiosk.id} sends too often; retry later", retry_after_s=retry_after)
    return kiosk


async def current_kiosk(request: Request) -> AuthenticatedKiosk:
    """FastAPI dependency: the kiosk whose token is the bearer (401 unknown/revoked, 429 too often)."""
    credentials: HTTPAuthorizationCredentials | None = await _kiosk_bearer(request)
    if credentials is None:
        raise Unauthorized("a kiosk token is required")
    return await _authenticated_kiosk(request, credentials.credentials)


@dataclass(frozen=True, slots=True)
class Submitter:
    """Who posts a single response: a signed-in user, or a kiosk with its token."""

    principal: Principal | None = None
    kiosk: AuthenticatedKiosk | None = None


async def current_submitter(request: Request) -> Submitter:
    """FastAPI dependency: a kiosk token (``zk_…``) or a user JWT."""
    credentials: HTTPAuthorizationCredentials | None = await _any_bearer(request)
    if credentials is not None and credentials.credentials.startswith(TOKEN_PREFIX):
        return Submitter(kiosk=await _authenticated_kiosk(request, credentials.credentials))
    return Submitter(principal=await current_principal(request))


KioskCaller = Annotated[AuthenticatedKiosk, Depends(current_kiosk)]
SubmitterCaller = Annotated[Submitter, Depends(current_submitter)]
