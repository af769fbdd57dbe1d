"""The inbound side of zdrav_shared.webhooks: a delivery is accepted only with ``X-Zdrav-Signature:
sha256=<hex HMAC-SHA256 of the exact body>`` made with the subscription's secret, which roadmap-api
holds as ``ROADMAP_DETRACTOR_WEBHOOK_SECRET``. The body is checked before it is parsed, so nothing of
an unsigned request is read."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from zdrav_shared.problems import ServiceUnavailable, Unauthorized
from zdrav_shared.webhooks.worker import SIGNATURE_HEADER, signature

signature_header = APIKeyHeader(
    name=SIGNATURE_HEADER,
    scheme_name="WebhookSignature",
    auto_error=False,
    description=(
        "`sha256=<hex HMAC-SHA256 of the exact request body>` with the secret of survey-api's webhook "
        "subscription, held by roadmap-api as `ROADMAP_DETRACTOR_WEBHOOK_SECRET` (no bearer token)."
    ),
)


def verify(secret: str | None, body: bytes, given: str | None) -> None:
    """503 when no secret is configured (the receiver is off); 401 unless ``given`` signs ``body``."""
    if not secret:
        raise ServiceUnavailable("the detractor webhook receiver is off: ROADMAP_DETRACTOR_WEBHOOK_SECRET is not set")
    if not given or not hmac.compare_digest(given.strip(), signature(secret, body)):
        raise Unauthorized(f"{SIGNATURE_HEADER} is missing or does not sign this body")


async def signed_body(request: Request, given: Annotated[str | None, Depends(signature_header)] = None) -> bytes:
    """The raw body of a correctly signed delivery."""
    body = await request.body()
    verify(getattr(request.app.state.settings, "detractor_webhook_secret", None), body, given)
    return body
