"""structlog JSON lines carry the service, the level and the request id of the current request."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from zdrav_shared.logging import configure_logging, get_logger, request_id_var


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    old = structlog.get_config()
    buffer = io.StringIO()
    yield buffer
    structlog.configure(**old)


def configure(buffer: io.StringIO, level: str = "INFO") -> None:
    configure_logging("demo-api", level=level, json=True)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=buffer))


def read(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_json_line_with_service_level_and_timestamp(lines: io.StringIO) -> None:
    configure(lines)
    get_logger("t").info("value_submitted", indicator="I-1")
    (line,) = read(lines)
    assert line["event"] == "value_submitted"
    assert line["indicator"] == "I-1"
    assert line["service"] == "demo-api"
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")
    assert "request_id" not in line


def test_request_id_is_bound_from_the_context_variable(lines: io.StringIO) -> None:
    configure(lines)
    token = request_id_var.set("rid-9")
    try:
        get_logger().info("inside")
    finally:
        request_id_var.reset(token)
    get_logger().info("outside")
    inside, outside = read(lines)
    assert inside["request_id"] == "rid-9"
    assert "request_id" not in outside


async def test_service_is_on_lines_of_other_tasks(lines: io.StringIO) -> None:
    """configure_logging runs in the lifespan task; requests are served in other tasks."""
    import asyncio

    async def lifespan() -> None:
        configure(lines)

    await asyncio.create_task(lifespan())
    get_logger().info("from_a_request")
    assert read(lines)[-1]["service"] == "demo-api"


def test_level_filters(lines: io.StringIO) -> None:
    configure(lines, level="WARNING")
    log = get_logger()
    log.info("dropped")
    log.warning("kept")
    assert [line["event"] for line in read(lines)] == ["kept"]


def test_exceptions_are_rendered_into_the_line(lines: io.StringIO) -> None:
    configure(lines)
    try:
        raise ValueError("boom")
    except ValueError:
        get_logger().exception("failed")
    (line,) = read(lines)
    assert "ValueError: boom" in line["exception"]
    assert line["level"] == "error"


class TestStandardLibraryLines:
    """uvicorn's, httpx's and every other library's records come out as the same JSON lines."""

    @pytest.fixture
    def stdout(self, lines: io.StringIO) -> Iterator[io.StringIO]:
        # A uvicorn server started by an earlier test (log_level="warning") leaves its loggers at
        # WARNING; these tests are about where the lines go, so start from uvicorn's loggers unset.
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).setLevel(logging.NOTSET)
        yield lines
        logging.getLogger().handlers.clear()

    def test_a_library_line_inside_a_request_carries_the_request_id(self, stdout: io.StringIO) -> None:
        configure_logging("demo-api", stream=stdout)
        token = request_id_var.set("rid-7")
        try:
            logging.getLogger("httpx").info(
                'HTTP Request: %s %s "%s %d %s"', "GET", "http://kpi/v1", "HTTP/1.1", 200, "OK"
            )
        finally:
            request_id_var.reset(token)
        (line,) = read(stdout)
        assert line["event"] == 'HTTP Request: GET http://kpi/v1 "HTTP/1.1 200 OK"'
        assert line["request_id"] == "rid-7"
        assert line["logger"] == "httpx"
        assert line["service"] == "demo-api"
        assert line["level"] == "info"
        assert line["timestamp"].endswith("Z")

    def test_uvicorn_loggers_lose_their_own_handlers_and_propagate(self, stdout: io.StringIO) -> None:
        error = logging.getLogger("uvicorn.error")
        error.addHandler(logging.StreamHandler(io.StringIO()))
        error.propagate = False
        configure_logging("demo-api", stream=stdout)
        assert not error.handlers and error.propagate
        error.info("Started server process [%d]", 42)
        (line,) = read(stdout)
        assert line["event"] == "Started server process [42]"
        assert line["logger"] == "uvicorn.error"
        assert "color_message" not in line

    def test_access_lines_are_structured_and_leave_out_the_client_address(self, stdout: io.StringIO) -> None:
        access = logging.getLogger("uvicorn.access")
        access.addHandler(logging.StreamHandler(io.StringIO()))
        access.propagate = False
        configure_logging("demo-api", stream=stdout)
        access.info('%s - "%s %s HTTP/%s" %d', "10.1.2.3:5000", "GET", "/v1/indicators?q=x", "1.1", 200)
        (line,) = read(stdout)
        assert line["event"] == "request_served"
        assert (line["method"], line["path"], line["status"]) == ("GET", "/v1/indicators?q=x", 200)
        assert "10.1.2.3" not in json.dumps(line)

    def test_an_access_log_switched_off_stays_off(self, stdout: io.StringIO) -> None:
        access = logging.getLogger("uvicorn.access")
        access.handlers.clear()
        access.propagate = False  # what `uvicorn --no-access-log` leaves
        configure_logging("demo-api", stream=stdout)
        assert not access.hasHandlers()
        access.propagate = True  # restore for the other tests

    def test_exceptions_are_json(self, stdout: io.StringIO) -> None:
        configure_logging("demo-api", stream=stdout)
        try:
            raise KeyError("k")
        except KeyError:
            logging.getLogger("sqlalchemy.pool").exception("pool failed")
        (failure,) = read(stdout)
        assert failure["event"] == "pool failed" and failure["level"] == "error"
        assert "KeyError" in failure["exception"] and "positional_args" not in failure

    def test_console_format_is_for_people(self, stdout: io.StringIO) -> None:
        configure_logging("demo-api", json=False, stream=stdout)
        logging.getLogger("httpx").info("HTTP Request: GET http://kpi/v1")
        text = stdout.getvalue()
        assert "HTTP Request: GET http://kpi/v1" in text
        with pytest.raises(json.JSONDecodeError):
            json.loads(text.splitlines()[0])
