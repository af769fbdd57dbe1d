"""Authentication and authorisation: JWT verification, the principal, role and scope checks.

Tokens carry ``sub``, ``roles``, ``scope_org_units`` (org-unit codes whose subtrees the caller may
touch; ``RU`` is the whole federation) and ``exp``. Dev and tests sign HS256 with
``ZDRAV_JWT_SECRET``; production verifies RS256 against the keys at ``ZDRAV_JWKS_URL``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx
import jwt
from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from zdrav_shared.problems import Forbidden, ServiceUnavailable, Unauthorized

FEDERATION_CODE = "RU"


class Role(StrEnum):
    FEDERAL = "federal"
    REGIONAL_ADMIN = "regional_admin"
    MO_OPERATOR = "mo_operator"
    ANALYST = "analyst"
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: subject, roles and org-unit scope."""

    sub: str
    roles: frozenset[str]
    scope_org_units: frozenset[str]
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_federal(self) -> bool:
        """Federal callers and services see every org unit."""
        return Role.FEDERAL in self.roles or Role.SERVICE in self.roles or FEDERATION_CODE in self.scope_org_units

    def covers(self, lineage: Iterable[str]) -> bool:
        """True when an org unit is inside the caller's scope.

        ``lineage`` is the unit's own code followed by (or mixed with) its ancestors' codes; the
        unit is covered when any of them is one of the caller's scope roots.
        """
        if self.is_federal:
            return True
        return any(code in self.scope_org_units for code in lineage)


def require_scope(principal: Principal, lineage: Sequence[str], code: str | None = None) -> None:
    """Raise 403 unless the org unit whose lineage is given lies in the caller's scope."""
    if not principal.covers(lineage):
        unit = code or (lineage[0] if lineage else "?")
        raise Forbidden(f"org unit {unit} is outside your scope")


def require_role(principal: Principal, *roles: str) -> None:
    """Raise 403 unless the caller holds one of ``roles``."""
    if not principal.has_role(*roles):
        raise Forbidden(f"this operation needs one of the roles: {', '.join(roles)}")


class JwksCache:
    """RS256 keys fetched from a JWKS URL, cached and refreshed on an unknown ``kid``."""

    def __init__(
        self,
        url: str,
        ttl_s: float = 300.0,
        client: httpx.AsyncClient | None = None,
        min_refresh_s: float = 30.0,
    ) -> None:
        self.url = url
        self.ttl_s = ttl_s
        self.min_refresh_s = min_refresh_s
        self._client = client
        self._keys: dict[str, Any] = {}
        self._fetched_at = -float("inf")

    async def key_for(self, kid: str | None) -> Any:
        age = time.monotonic() - self._fetched_at
        unknown_kid = kid is not None and kid not in self._keys
        # An unknown kid may mean the provider rotated its keys, but refetch at most every
        # min_refresh_s so that a flood of forged tokens cannot flood the provider too.
        if age >= self.ttl_s or (unknown_kid and age >= self.min_refresh_s):
            await self._refresh()
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        if kid is None or kid not in self._keys:
            raise Unauthorized("the token is signed with an unknown key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        try:
            if self._client is not None:
                response = await self._client.get(self.url, timeout=5.0)
            else:
                async with httpx.AsyncClient(timeout=5.0) as client:
                    response = await client.get(self.url)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            if self._keys:
                self._fetched_at = time.monotonic()  # keep serving the keys we have; retry later
                return
            raise ServiceUnavailable("the identity provider's keys cannot be fetched") from exc
        keys: dict[str, Any] = {}
        for jwk in data.get("keys", []):
            if jwk.get("kty") == "RSA":
                keys[str(jwk.get("kid"))] = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
        self._keys = keys
        self._fetched_at = time.monotonic()


class TokenVerifier:
    """Verifies bearer tokens into a :class:`Principal`."""

    def __init__(
        self,
        secret: str | None = None,
        jwks: JwksCache | None = None,
        audience: str | None = None,
        leeway_s: int = 30,
        cache_size: int = 4096,
    ) -> None:
        if secret is None and jwks is None:
            raise ValueError("configure ZDRAV_JWT_SECRET (HS256) or ZDRAV_JWKS_URL (RS256)")
        self.secret = secret
        self.jwks = jwks
        self.audience = audience
        self.leeway_s = leeway_s
        self.cache_size = cache_size
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        """Decode and check a token; every failure is a 401 problem saying why.

        Verified tokens are remembered until they expire (bounded cache): a kiosk or an operator
        sends the same token many times, and the signature check is a tenth of a small request.
        """
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires_at = cached
            if time.time() < expires_at:
                return principal
            del self._verified[token]
        principal = await self._verify_uncached(token)
        exp = principal.claims.get("exp")
        if isinstance(exp, int | float) and self.cache_size > 0:
            if len(self._verified) >= self.cache_size:
                self._verified.pop(next(iter(self._verified)))
            self._verified[token] = (principal, float(exp))
        return principal

    async def _verify_uncached(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("the bearer token is malformed") from exc
        alg = header.get("alg")
        if self.jwks is not None and alg == "RS256":
            key: Any = await self.jwks.key_for(header.get("kid"))
            algorithms = ["RS256"]
        elif self.secret is not None and alg == "HS256":
            key = self.secret
            algorithms = ["HS256"]
        else:
            raise Unauthorized(f"tokens signed with {alg!r} are not accepted")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience,
                leeway=self.leeway_s,
                options={"require": ["sub", "exp"], "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired") from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthorized("the token signature is not valid") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the token is not valid: {exc}") from exc
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """Build a principal, refusing claims of the wrong shape."""
    roles = claims.get("roles", [])
    scope = claims.get("scope_org_units", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("the token's roles claim must be a list of strings")
    if not isinstance(scope, list) or not all(isinstance(s, str) for s in scope):
        raise Unauthorized("the token's scope_org_units claim must be a list of strings")
    return Principal(sub=str(claims["sub"]), roles=frozenset(roles), scope_org_units=frozenset(scope), claims=claims)


def issue_token(
    secret: str,
    sub: str,
    roles: Sequence[str],
    scope_org_units: Sequence[str],
    ttl_s: int = 3600,
    now: float | None = None,
    **extra: Any,
) -> str:
    """Sign an HS256 token (dev, tests and service-to-service calls)."""
    issued = int(now if now is not None else time.time())
    payload = {
        "sub": sub,
        "roles": list(roles),
        "scope_org_units": list(scope_org_units),
        "iat": issued,
        "exp": issued + ttl_s,
        **extra,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


_bearer = HTTPBearer(auto_error=False, description="A JWT with sub, roles, scope_org_units and exp")


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the verified caller, or a 401 problem."""
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    if credentials is None:
        raise Unauthorized("a bearer token is required")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


def role_required(*roles: str) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """A dependency that verifies the token and requires one of ``roles``."""

    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        require_role(principal, *roles)
        return principal

    return dependency
