"""RFC 9457 problem details: one error hierarchy and one renderer for every service.

Domain code raises subclasses of :class:`ProblemError` (each service defines its own typed errors on
top of these); :func:`install_problem_handlers` renders them, request validation errors, routing
errors and database outages as ``application/problem+json``. Nothing a client sends should reach the
catch-all 500 handler; it exists so that a bug still answers in the same format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from zdrav_shared.logging import get_logger

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://zdrav.example/problems/"

log = get_logger(__name__)


class FieldError(BaseModel):
    """One validation failure: a JSON pointer into the request and what is wrong there."""

    pointer: str = Field(examples=["/items/0/period"])
    message: str = Field(examples=["'2025Q5' is not a period: use 2025, 2025Q2 or 2025-04"])


class Problem(BaseModel):
    """The problem+json body (RFC 9457); extra members may follow."""

    type: str = Field(examples=[PROBLEM_TYPE_BASE + "validation-error"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None

    model_config = {"extra": "allow"}


class ProblemError(Exception):
    """Base of every error that becomes a problem+json answer."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The JSON body of this problem."""
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors is not None:
            body["errors"] = [e.model_dump() for e in self.errors]
        body.update(self.extra)
        return body


class BadRequest(ProblemError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class Unauthorized(ProblemError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="zdrav"'}, **extra)


class Forbidden(ProblemError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(ProblemError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ProblemError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(ProblemError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PayloadTooLarge(ProblemError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class Unprocessable(ProblemError):
    """A request that parsed but breaks a rule; ``pointer`` says where."""

    status = 422
    slug = "validation-error"
    title = "Validation error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        pointer: str | None = None,
        errors: Sequence[FieldError] | None = None,
        **extra: Any,
    ) -> None:
        if errors is None and pointer is not None:
            errors = [FieldError(pointer=pointer, message=detail or self.title)]
        super().__init__(detail, errors=errors, **extra)


class TooManyRequests(ProblemError):
    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after_s: int = 1, **extra: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_s))}, **extra)


class ServiceUnavailable(ProblemError):
    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str | None = None, *, retry_after_s: int = 5, **extra: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_s)}, **extra)


def problem_response(error: ProblemError, instance: str | None = None) -> JSONResponse:
    """Render one problem as a response."""
    return JSONResponse(
        error.to_problem(instance),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=error.headers or None,
    )


def pointer_from_loc(loc: Iterable[Any]) -> str:
    """Turn a pydantic/FastAPI error location into a JSON pointer.

    Body errors point into the body (``/items/0/value``); query, path and header errors are
    prefixed with their location (``/query/period``) so the client knows where to look.
    """
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return "/" + "/".join(escaped) if escaped else ""


def validation_problem(errors: Iterable[Mapping[str, Any]]) -> Unprocessable:
    """Build a 422 problem from pydantic-style error dictionaries."""
    field_errors: list[FieldError] = []
    for err in errors:
        message = str(err.get("msg", "invalid value"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        field_errors.append(FieldError(pointer=pointer_from_loc(err.get("loc", ())), message=message))
    detail = "; ".join(f"{e.pointer or '/'}: {e.message}" for e in field_errors[:5])
    return Unprocessable(detail or "the request is not valid", errors=field_errors)


_HTTP_TITLES = {404: ("not-found", "Not found"), 405: ("method-not-allowed", "Method not allowed")}


UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "57P04", "57P05", "25006"})
"""Server states that mean "the database is not available right now", not "the request is wrong":
administrator or crash shutdown, starting up / in recovery (``cannot_connect_now``), database
dropped, idle-session timeout, and a read-only transaction (a write reaching a standby after a
failover). Classes 08 (connection exception) and 53 (insufficient resources: too many connections,
out of memory, disk full) are matched as whole classes."""
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53")


def is_unavailable_error(error: BaseException | None) -> bool:
    """True when a driver error means "the database is not available right now": by SQLSTATE, else
    by the words drivers use for lost or refused connections (asyncpg raises some of those as plain
    interface errors without a SQLSTATE)."""
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(sqlstate, str) and (
        sqlstate in UNAVAILABLE_SQLSTATES or sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES)
    ):
        return True
    text = f"{type(error).__name__} {error}".lower()
    markers = ("connect", "terminat", "shutdown", "shutting down", "closed", "cannot", "timeout", "timed out")
    return any(m in text for m in markers)


def _is_connection_error(exc: DBAPIError) -> bool:
    return bool(exc.connection_invalidated) or is_unavailable_error(exc.orig)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the renderers for every error a request can end in."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc.errors()), request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        slug, title = _HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
        error = ProblemError(str(exc.detail) if exc.detail else None, headers=exc.headers)
        body = error.to_problem(request.url.path)
        body.update({"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": exc.status_code})
        return JSONResponse(body, status_code=exc.status_code, media_type=PROBLEM_JSON, headers=exc.headers)

    async def on_integrity(request: Request, exc: Exception) -> JSONResponse:
        log.warning("integrity_conflict", path=request.url.path, error=type(exc).__name__)
        return problem_response(
            Conflict("the change conflicts with existing data (a duplicate key or a missing reference)"),
            request.url.path,
        )

    async def on_db_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DBAPIError)
        if _is_connection_error(exc):
            log.warning("database_unavailable", path=request.url.path, error=type(exc.orig).__name__)
            return problem_response(ServiceUnavailable("the database is not reachable; retry later"), request.url.path)
        log.exception("database_error", path=request.url.path)
        return problem_response(ProblemError("unexpected database error"), request.url.path)

    async def on_pool_timeout(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database_pool_timeout", path=request.url.path)
        return problem_response(ServiceUnavailable("the database is busy or down; retry later"), request.url.path)

    async def on_os_error(request: Request, exc: Exception) -> JSONResponse:
        # asyncpg raises plain OSError / ConnectionError subclasses when the server is gone.
        log.warning("database_unreachable", path=request.url.path, error=type(exc).__name__)
        return problem_response(ServiceUnavailable("the database is not reachable; retry later"), request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette runs this handler in its outermost middleware, outside RequestIdMiddleware: the
        # request id is no longer bound nor added to the answer, so restore both from the state.
        request_id: str | None = getattr(request.state, "request_id", None)
        context = {"request_id": request_id} if request_id else {}
        log.exception("request_failed", path=request.url.path, **context)
        response = problem_response(ProblemError("an unexpected error occurred"), request.url.path)
        if request_id:
            response.headers["x-request-id"] = request_id
        return response

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(DBAPIError, on_db_error)
    app.add_exception_handler(PoolTimeoutError, on_pool_timeout)
    app.add_exception_handler(OSError, on_os_error)
    app.add_exception_handler(Exception, on_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries declaring problem+json answers for the given statuses."""
    descriptions = {
        400: "Bad request",
        401: "Missing, malformed or expired token",
        403: "Outside the caller's role or org-unit scope",
        404: "Not found",
        409: "Conflict with the current state",
        412: "Stale If-Match",
        413: "Body too large",
        422: "Validation error with pointers",
        429: "Rate limited; see Retry-After",
        503: "A dependency is unavailable",
    }
    return {
        s: {
            "model": Problem,
            "description": descriptions.get(s, "Problem"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }
