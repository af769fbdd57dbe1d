"""The base of every service-to-service client: one ``httpx.AsyncClient`` owned by the lifespan,
explicit timeouts, bounded retries with backoff for idempotent requests only, the request id and a
service token on every call, and a latency histogram by target."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from prometheus_client import CollectorRegistry, Histogram
from pydantic import BaseModel

from zdrav_shared.auth import Role, issue_token
from zdrav_shared.logging import get_logger, request_id_var
from zdrav_shared.problems import ServiceUnavailable

M = TypeVar("M", bound=BaseModel)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})

log = get_logger(__name__)


class PeerUnavailable(ServiceUnavailable):
    """A peer service did not answer in time, or answered with a server error."""

    slug = "peer-unavailable"
    title = "A dependent service is unavailable"


class PeerError(Exception):
    """A peer answered with a client error we did not expect (a bug on one side)."""

    def __init__(self, target: str, status: int, body: str) -> None:
        super().__init__(f"{target} answered {status}: {body[:300]}")
        self.target = target
        self.status = status


class ClientMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.duration = Histogram(
            "zdrav_http_client_duration_seconds",
            "Outgoing HTTP call latency by target service and outcome",
            ["target", "method", "outcome"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )


class ServiceTokenProvider:
    """A bearer token for calls between services: a configured one, or a short-lived HS256 token
    with the ``service`` role minted from the shared secret."""

    def __init__(self, static_token: str | None = None, secret: str | None = None, name: str = "zdrav") -> None:
        self.static_token = static_token
        self.secret = secret
        self.name = name
        self._token: str | None = None
        self._expires = 0.0

    def __call__(self) -> str | None:
        if self.static_token:
            return self.static_token
        if self.secret is None:
            return None
        if self._token is None or time.time() > self._expires - 60:
            self._token = issue_token(self.secret, f"service:{self.name}", [Role.SERVICE], ["RU"], ttl_s=900)
            self._expires = time.time() + 900
        return self._token


class ServiceClient:
    """A typed client of one peer service."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        target: str,
        base_url: str,
        *,
        token: Callable[[], str | None] | None = None,
        metrics: ClientMetrics | None = None,
        timeout_s: float = 5.0,
        retries: int = 2,
        backoff_s: float = 0.1,
    ) -> None:
        self.http = http
        self.target = target
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.metrics = metrics
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"accept": "application/json"}
        request_id = request_id_var.get()
        if request_id:
            headers["x-request-id"] = request_id
        token = self.token() if self.token else None
        if token:
            headers["authorization"] = f"Bearer {token}"
        headers.update(extra or {})
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one request; retry idempotent ones on connection errors, timeouts and 502/503/504.

        ``timeout_s`` bounds the whole call, retries included, so a caller with a time budget can
        rely on it. A POST is retried only when the caller says it is idempotent (an id or
        ``Idempotency-Key`` in it).
        """
        method = method.upper()
        may_retry = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        attempts = 1 + (self.retries if may_retry else 0)
        budget = timeout_s if timeout_s is not None else self.timeout_s * attempts
        deadline = time.monotonic() + budget
        url = self.base_url + path
        last_error = "no attempt made"
        for attempt in range(attempts):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            started = time.perf_counter()
            outcome = "error"
            try:
                response = await asyncio.wait_for(
                    self.http.request(
                        method,
                        url,
                        params=params,
                        json=json,
                        headers=self._headers(headers),
                        timeout=httpx.Timeout(min(self.timeout_s, remaining)),
                    ),
                    timeout=remaining,
                )
                outcome = str(response.status_code)
                if response.status_code not in RETRY_STATUSES:
                    return response
                last_error = f"status {response.status_code}"
            except (httpx.TransportError, TimeoutError) as exc:
                last_error = type(exc).__name__
                outcome = "timeout" if isinstance(exc, (httpx.TimeoutException, TimeoutError)) else "error"
            finally:
                if self.metrics is not None:
                    self.metrics.duration.labels(self.target, method, outcome).observe(time.perf_counter() - started)
            if attempt + 1 < attempts:
                pause = self.backoff_s * (2**attempt) * (0.5 + random.random())
                await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        log.warning("peer_call_failed", target=self.target, method=method, path=path, error=last_error)
        raise PeerUnavailable(f"{self.target} did not answer ({last_error})", target=self.target)

    async def get_model(
        self, path: str, model: type[M], *, params: Mapping[str, Any] | None = None, timeout_s: float | None = None
    ) -> M | None:
        """GET a JSON document as ``model``; None on 404; :class:`PeerError` on other 4xx."""
        response = await self.request("GET", path, params=params, timeout_s=timeout_s)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise PeerError(self.target, response.status_code, response.text)
        return model.model_validate_json(response.content)
