"""Authentication and authorisation: JWT verification, the principal, role and scope checks.

Tokens carry ``sub``, ``roles``, ``scope_org_units`` (org-unit codes whose subtrees the caller may
touch; ``RU`` is the whole federation) and ``exp``. Dev and tests sign HS256 with
``ZDRAV_JWT_SECRET``; production verifies RS256 against the keys at ``ZDRAV_JWKS_URL``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from zdrav_shared.problems import Forbidden, ServiceUnavailable, Unauthorized
from zdrav_shared.tokens import MAX_SERVICE_TOKEN_TTL_S, MAX_USER_TOKEN_TTL_S, ROLES, Role
from zdrav_shared.tokens import issue_token as issue_token  # re-exported: tests and demo loaders sign here

__all__ = ["ROLES", "Role"]  # Role lives in zdrav_shared.tokens (make token reads it without FastAPI)

FEDERATION_CODE = "RU"


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
        max_ttl_s: int = MAX_USER_TOKEN_TTL_S,
        max_service_ttl_s: int = MAX_SERVICE_TOKEN_TTL_S,
    ) -> None:
        if secret is None and jwks is None:
            raise ValueError("configure ZDRAV_JWT_SECRET (HS256) or ZDRAV_JWKS_URL (RS256)")
        self.secret = secret
        self.jwks = jwks
        self.audience = audience
        self.leeway_s = leeway_s
        self.max_ttl_s = max_ttl_s
        self.max_service_ttl_s = max_service_ttl_s
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
        principal = principal_from_claims(claims)
        self._check_lifetime(principal)
        return principal

    def _check_lifetime(self, principal: Principal) -> None:
        """Refuse a token that lives longer than allowed (401): ``exp − iat``, or ``exp − now`` for a
        token without ``iat``. Service tokens (the ``service`` role) have their own, larger maximum."""
        claims = principal.claims
        exp, iat = claims["exp"], claims.get("iat")
        start = iat if isinstance(iat, int | float) and not isinstance(iat, bool) else time.time()
        lifetime = float(exp) - float(start)
        service = Role.SERVICE in principal.roles
        limit = self.max_service_ttl_s if service else self.max_ttl_s
        if lifetime > limit + self.leeway_s:
            kind = "service" if service else "user"
            raise Unauthorized(
                f"the token is valid for {lifetime:.0f} s; a {kind} token may be valid for at most {limit} s "
                "(ask the identity provider for a shorter-lived one)",
                reason="token_lifetime",
            )


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """Build a principal, refusing claims of the wrong shape."""
    roles = claims.get("roles", [])
    scope = claims.get("scope_org_units", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("the token's roles claim must be a list of strings")
    if not isinstance(scope, list) or not all(isinstance(s, str) for s in scope):
        raise Unauthorized("the token's scope_org_units claim must be a list of strings")
    return Principal(sub=str(claims["sub"]), roles=frozenset(roles), scope_org_units=frozenset(scope), claims=claims)


KIOSK_TOKEN_PREFIX = "zk_"
"""Kiosk tokens (survey-api, opaque, shown once) start with this; a user token is a JWT."""

KIOSK_TOKEN_ELSEWHERE = (
    "kiosk tokens may only post responses (survey-api: POST /v1/responses/batch and POST /v1/responses); "
    "this call needs a user token (JWT)"
)

USER_SCHEME = "UserJWT"
KIOSK_SCHEME = "KioskToken"

user_bearer = HTTPBearer(
    auto_error=False,
    scheme_name=USER_SCHEME,
    bearerFormat="JWT",
    description=(
        "A user's JWT: claims `sub`, `roles` (federal, regional_admin, mo_operator, analyst, service), "
        "`scope_org_units` (org-unit codes; `RU` = the whole federation) and `exp`. HS256 with "
        "`ZDRAV_JWT_SECRET` in development (`make token`), RS256 from the identity provider "
        "(`ZDRAV_JWKS_URL`) in production. Which roles each operation accepts: `x-roles` on the "
        "operation, and docs/roles.md."
    ),
)
"""The user-token scheme. Depending on it (through :func:`current_principal`) is what puts the bearer
scheme and ``security`` on an operation of the OpenAPI document."""

kiosk_bearer = HTTPBearer(
    auto_error=False,
    scheme_name=KIOSK_SCHEME,
    bearerFormat="opaque kiosk token (zk_…)",
    description=(
        "A survey kiosk's opaque token, shown once by `POST /v1/kiosks` (survey-api) and sent as "
        "`Authorization: Bearer zk_…`. It allows posting responses for the kiosk's own campaign and "
        "org unit only."
    ),
)
"""The kiosk-token scheme (survey-api's kiosk endpoints depend on it)."""


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(user_bearer)] = None,
) -> Principal:
    """FastAPI dependency: the verified caller, or a 401 problem saying why.

    May also be awaited directly with the request alone (the header is then read here)."""
    if credentials is None:
        credentials = await user_bearer(request)
    if credentials is None:
        raise Unauthorized("a bearer token is required")
    token = credentials.credentials
    if token.startswith(KIOSK_TOKEN_PREFIX):
        raise Unauthorized(KIOSK_TOKEN_ELSEWHERE, reason="kiosk_token")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(token)
    require_known_role(principal)
    request.state.principal = principal
    return principal


def require_known_role(principal: Principal) -> None:
    """Raise 403 for a signed token that carries no role the platform knows (no ``roles`` claim, an
    empty one, or only unknown names): what it may do would otherwise be whatever needs no role."""
    if not principal.roles:
        raise Forbidden(f"the token carries no roles; it needs at least one of: {', '.join(ROLES)}", reason="no_roles")
    if not any(r in ROLES for r in principal.roles):
        raise Forbidden(
            f"the token's roles ({', '.join(sorted(principal.roles))}) are none of: {', '.join(ROLES)}",
            reason="no_roles",
        )


class RolesRequired:
    """A dependency that verifies the user token and requires one of ``roles`` (403 otherwise).

    It is also the route's *declaration* of its roles: the OpenAPI document's ``x-roles`` and the table
    docs/roles.md are read from these objects in the routes' dependencies (``zdrav_shared.routes``), so
    a route declares its roles by depending on one::

        Writer = Annotated[Principal, Depends(role_required(Role.FEDERAL, Role.REGIONAL_ADMIN))]

    A route without one accepts every signed-in role (its service may still narrow by scope or
    ownership). Services keep their own ``require_role`` checks with the same role tuples: those
    protect the use case whoever calls it (imports, demo loaders)."""

    def __init__(self, *roles: str) -> None:
        if not roles:
            raise ValueError("name at least one role")
        self.roles: tuple[str, ...] = tuple(dict.fromkeys(str(r) for r in roles))

    def __repr__(self) -> str:
        return f"RolesRequired{self.roles!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RolesRequired) and type(other) is type(self) and other.roles == self.roles

    def __hash__(self) -> int:
        return hash((type(self), self.roles))

    async def __call__(self, principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        require_role(principal, *self.roles)
        return principal


def role_required(*roles: str) -> RolesRequired:
    """A dependency that verifies the token and requires one of ``roles`` (see :class:`RolesRequired`)."""
    return RolesRequired(*roles)
