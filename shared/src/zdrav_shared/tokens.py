"""Signing dev, test and service-to-service tokens (HS256), with the standard library only.

Kept apart from :mod:`zdrav_shared.auth` (which pulls in FastAPI, SQLAlchemy and PyJWT with its
cryptography backend) so that ``make token`` answers in a fraction of a second. HS256 is HMAC-SHA256 over
``base64url(header).base64url(payload)`` (RFC 7519/7515); the tokens are verified by PyJWT like any other
(``auth.TokenVerifier``), which the tests check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}


class Role(StrEnum):
    """Every role a token may carry: the one list that ``auth`` checks and ``make token`` offers."""

    FEDERAL = "federal"
    REGIONAL_ADMIN = "regional_admin"
    MO_OPERATOR = "mo_operator"
    ANALYST = "analyst"
    SERVICE = "service"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)

MAX_USER_TOKEN_TTL_S = 24 * 3600
"""The longest lifetime (``exp − iat``) of a user token the services accept (``ZDRAV_MAX_TOKEN_TTL_S``)."""
MAX_SERVICE_TOKEN_TTL_S = 30 * 24 * 3600
"""The same for a token with the ``service`` role (``ZDRAV_MAX_SERVICE_TOKEN_TTL_S``): a fixed
``ZDRAV_SERVICE_TOKEN`` from the identity provider may live longer than a person's session; the
tokens the services mint themselves live 15 minutes."""


def unknown_roles(roles: Sequence[str]) -> list[str]:
    """The roles in ``roles`` that no part of the platform knows."""
    return [r for r in roles if r not in ROLES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_hs256(payload: dict[str, Any], secret: str) -> str:
    """A compact JWS of ``payload`` signed with HMAC-SHA256."""
    signing_input = f"{_b64(_json(_HEADER))}.{_b64(_json(payload))}"
    signature = hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


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
    return sign_hs256(payload, secret)
