"""Logging: every line a process writes is one JSON object, with the request id when inside a request.

structlog renders the services' own events; the standard library's records (uvicorn's start-up,
error and access lines, httpx's ``HTTP Request: …``, SQLAlchemy, Alembic, Python warnings) go through
the same processors by structlog's ``ProcessorFormatter`` on the root logger, so they carry the same
``service``, ``level``, ``timestamp`` and ``request_id`` keys. ``ZDRAV_LOG_FORMAT=console`` switches
both to structlog's human-friendly rendering for a terminal; JSON is the default everywhere.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any, TextIO

import structlog

request_id_var: ContextVar[str | None] = ContextVar("zdrav_request_id", default=None)

UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")
UVICORN_ACCESS = "uvicorn.access"


def _add_request_id(_: object, __: str, event_dict: structlog.types.EventDict) -> structlog.types.EventDict:
    request_id = request_id_var.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def _from_stdlib(_: object, __: str, event_dict: structlog.types.EventDict) -> structlog.types.EventDict:
    """Name the library a foreign line came from and give uvicorn's access line structured fields.

    uvicorn's access record is ``'%s - "%s %s HTTP/%s" %d'`` over (client, method, path, version,
    status): it becomes ``request_served`` with ``method``, ``path`` and ``status`` — and without the
    client's address, which is personal data (DESIGN §5: none in logs)."""
    record: logging.LogRecord | None = event_dict.get("_record")
    if record is None:
        return event_dict
    event_dict.setdefault("logger", record.name)
    args = event_dict.pop("positional_args", None)
    if record.name == UVICORN_ACCESS and isinstance(args, tuple) and len(args) == 5:
        _, method, path, http_version, status = args
        event_dict.update(event="request_served", method=method, path=path, http_version=http_version, status=status)
    return event_dict


def _common_processors(service: str) -> list[structlog.types.Processor]:
    def add_service(_: object, __: str, event_dict: structlog.types.EventDict) -> structlog.types.EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    # The service name is a processor, not a bound context variable: logging is configured when the
    # app is built, in a context that requests (served in tasks of their own) never see.
    return [
        structlog.contextvars.merge_contextvars,
        add_service,
        _add_request_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(service: str, level: str = "INFO", json: bool = True, stream: TextIO | None = None) -> None:
    """Configure structlog and the standard library for one service process: one stream (stdout unless
    ``stream`` is given), one format. Idempotent; called when the app is built, so that uvicorn's own
    lines after that (it builds the app through ``--factory`` before it logs "Started server process")
    are JSON too."""
    out = stream if stream is not None else sys.stdout
    numeric_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    common = _common_processors(service)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer()
    )
    exceptions: list[structlog.types.Processor] = [structlog.processors.format_exc_info] if json else []
    structlog.configure(
        processors=[*common, *exceptions, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*common, _from_stdlib],
        pass_foreign_args=True,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *exceptions, renderer],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    _route_uvicorn_to_root()
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: Any) -> None:
    """A crash outside any handler (a migration that cannot connect, say) is a JSON line too."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("zdrav").critical("process_crashed", exc_info=(kind, error, trace))


def _route_uvicorn_to_root() -> None:
    """uvicorn gives its loggers handlers of their own (plain text, stderr) and stops them propagating;
    hand them to the root logger instead. An access logger that ``--no-access-log`` silenced (no
    handlers, not propagating) stays silent."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    access = logging.getLogger(UVICORN_ACCESS)
    if access.handlers or access.propagate:
        access.handlers.clear()
        access.propagate = True


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A structlog logger; events are snake_case past tense with key=value context."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
