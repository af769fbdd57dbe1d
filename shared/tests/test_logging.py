"""structlog JSON lines carry the service, the level and the request id of the current request."""

from __future__ import annotations

import io
import json
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
