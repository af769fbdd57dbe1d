"""Annotated dependency aliases used by the routers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from survey_api.kiosks.service import TOKEN_PREFIX, KioskService, hash_token
from survey_api.kiosks.token_cache import AuthenticatedKiosk, KioskTokenCache
from zdrav_shared.auth import Principal, RolesRequired, current_principal, kiosk_bearer, user_bearer
from zdrav_shared.db import db_session
from zdrav_shared.problems import TooManyRequests, Unauthorized
from zdrav_shared.replica import ReadSession as ReadSession

Session = Annotated[AsyncSession, Depends(db_session)]
Caller = Annotated[Principal, Depends(current_principal)]

Credentials = HTTPAuthorizationCredentials | None


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


async def current_kiosk(
    request: Request, credentials: Annotated[Credentials, Depends(kiosk_bearer)]
) -> AuthenticatedKiosk:
    """FastAPI dependency: the kiosk whose token is the bearer (401 unknown/revoked, 429 too often)."""
    if credentials is None:
        raise Unauthorized("a kiosk token is required")
    if not credentials.credentials.startswith(TOKEN_PREFIX):
        raise Unauthorized(
            "this call takes a kiosk token (zk_…, from POST /v1/kiosks); a signed-in user posts responses "
            "one by one with POST /v1/responses",
            reason="kiosk_token_required",
        )
    return await _authenticated_kiosk(request, credentials.credentials)


@dataclass(frozen=True, slots=True)
class Submitter:
    """Who posts a single response: a signed-in user, or a kiosk with its token."""

    principal: Principal | None = None
    kiosk: AuthenticatedKiosk | None = None


class SubmitterRequired(RolesRequired):
    """FastAPI dependency: a kiosk token (``zk_…``), or a user JWT with one of ``roles`` (403 otherwise).

    It reads the one ``Authorization`` header itself and names both schemes in ``reads_schemes``, so
    the operation's ``security`` lists either (``zdrav_shared.routes``). As two sub-dependencies that
    parse the same header, FastAPI's resolution of them was ~5 % of a single response's CPU. The roles
    apply to users only (a kiosk's limits are its campaign and org unit, checked by the route)."""

    reads_schemes = (user_bearer, kiosk_bearer)

    async def __call__(self, request: Request) -> Submitter:  # type: ignore[override]
        credentials = await user_bearer(request)  # either scheme: the same header, told apart by the prefix
        if credentials is not None and credentials.credentials.startswith(TOKEN_PREFIX):
            return Submitter(kiosk=await _authenticated_kiosk(request, credentials.credentials))
        principal = await current_principal(request, credentials)
        return Submitter(principal=await super().__call__(principal))


KioskCaller = Annotated[AuthenticatedKiosk, Depends(current_kiosk)]
