"""The chart renderers: the right image type, deterministic bytes (a stable ETag), and 304 on a match."""

from __future__ import annotations

import struct
from decimal import Decimal

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from zdrav_shared.charts import (
    ChartFormat,
    IntervalRow,
    LeagueRow,
    TrendPoint,
    image_response,
    render_intervals,
    render_league,
    render_trend,
)

TREND = [
    TrendPoint("2025Q1", Decimal("3.9"), target_low=4, target_high=14),
    TrendPoint("2025Q2", None, target_low=4, target_high=14),
    TrendPoint("2025Q3", 6.5, target=7),
]
LEAGUE = [LeagueRow("Мурманская поликлиника № 1", 92.5, "achieved"), LeagueRow("ЦРБ", None, "no_data")]
INTERVALS = [
    IntervalRow("Поликлиника 1", 82.0, [75.1, 87.4], 35.0, [20.0, 50.0], True, 120),
    IntervalRow("ФАП", 50.0, [20.0, 80.0], None, None, False, 6),
]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    "render",
    [
        lambda f: render_trend("Посещения", "на жителя", TREND, f),
        lambda f: render_league("Рейтинг", "%", LEAGUE, f),
        lambda f: render_intervals("Удовлетворённость и NPS", INTERVALS, f),
    ],
)
async def test_png_and_svg_are_deterministic(render: object) -> None:
    png = await render(ChartFormat.PNG)  # type: ignore[operator]
    width, height = png_size(png)
    assert width == 900 and height >= 500
    assert png == await render(ChartFormat.PNG)  # type: ignore[operator]
    svg = await render(ChartFormat.SVG)  # type: ignore[operator]
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert svg == await render(ChartFormat.SVG)  # type: ignore[operator]


async def test_russian_labels_are_text_in_svg() -> None:
    svg = (await render_league("Рейтинг", "%", LEAGUE, ChartFormat.SVG)).decode()
    assert "Мурманская поликлиника № 1" in svg and "достигнуто" in svg and "нет данных" in svg


def test_etag_and_not_modified() -> None:
    app = FastAPI()

    @app.get("/c")
    async def chart(request: Request):  # type: ignore[no-untyped-def]
        return image_response(request, b"\x89PNG fake", ChartFormat.PNG)

    client = TestClient(app)
    first = client.get("/c")
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    again = client.get("/c", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
