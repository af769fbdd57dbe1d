"""Charts people would rather look at than read: PNG and SVG rendered on the server by matplotlib.

The services compute the figures (analytics, aggregates) and hand them here as plain rows; this module
only draws them, with Russian labels, and answers with an ETag so that a dashboard polling a chart
gets ``304 Not Modified`` until the figures change. Rendering is CPU work (tens of milliseconds), so it
runs in a worker thread, off the event loop. The output is deterministic for the same figures (no
dates or random ids in the files), which is what makes the ETag stable.
"""

from __future__ import annotations

import hashlib
import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from anyio import to_thread
from fastapi import Request, Response

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}

STATUS_COLOURS = {
    "achieved": "#2e7d32",
    "on_track": "#81c784",
    "at_risk": "#f9a825",
    "off_track": "#c62828",
    "no_target": "#90a4ae",
    "no_data": "#cfd8dc",
}
STATUS_LABELS_RU = {
    "achieved": "достигнуто",
    "on_track": "в пределах плана",
    "at_risk": "под угрозой",
    "off_track": "не достигнуто",
    "no_target": "нет цели",
    "no_data": "нет данных",
}
WIDTH_IN, HEIGHT_IN, DPI = 9.0, 5.0, 100
CACHE_CONTROL = "private, max-age=60"
TITLE_WIDTH = 80  # characters per title line at the default font size and width


class ChartFormat(StrEnum):
    PNG = "png"
    SVG = "svg"


Number = float | Decimal | int | None


def _f(value: Number) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class TrendPoint:
    """One period of an indicator's trend: the value and the target (or range) in force."""

    label: str
    value: Number
    target: Number = None
    target_low: Number = None
    target_high: Number = None


@dataclass(frozen=True)
class LeagueRow:
    """One org unit or region in a league table."""

    label: str
    value: Number
    status: str


@dataclass(frozen=True)
class IntervalRow:
    """Satisfaction and NPS of one org unit with their 95 % intervals."""

    label: str
    satisfaction: Number
    satisfaction_ci95: Sequence[Number] | None
    nps: Number
    nps_ci95: Sequence[Number] | None
    sample_ok: bool
    n: int


def _figure(height_in: float = HEIGHT_IN) -> Any:
    # The object API, not pyplot: no global state, safe in worker threads.
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")


def _title(text: str) -> str:
    # Indicator names run long ("Укомплектованность врачебных должностей (коэффициент …) — область"):
    # wrapped, not clipped at the figure's edge.
    return "\n".join(textwrap.wrap(text, TITLE_WIDTH)) or text


def _save(fig: Any, fmt: ChartFormat) -> bytes:
    buffer = io.BytesIO()
    if fmt is ChartFormat.SVG:
        import matplotlib

        with matplotlib.rc_context({"svg.hashsalt": "zdrav", "svg.fonttype": "none"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    else:
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _render_trend(title: str, unit: str, points: Sequence[TrendPoint], fmt: ChartFormat) -> bytes:
    fig = _figure()
    ax = fig.subplots()
    xs = list(range(len(points)))
    values = [_f(p.value) for p in points]
    shown = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
    if shown:
        # A period without a value breaks the line (NaN): joining its neighbours would invent a trend.
        ax.plot(xs, [math.nan if v is None else v for v in values], marker="o", color="#1565c0", label="факт")
        for x, v in shown:
            ax.annotate(f"{v:g}", (x, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    targets = [(x, _f(p.target)) for x, p in zip(xs, points, strict=True) if p.target is not None]
    if targets:
        ax.plot([x for x, _ in targets], [t for _, t in targets], linestyle="--", color="#6d4c41", label="цель")
    ranges = [
        (x, _f(p.target_low), _f(p.target_high))
        for x, p in zip(xs, points, strict=True)
        if p.target_low is not None and p.target_high is not None
    ]
    if ranges:
        ax.fill_between(
            [x for x, _, _ in ranges],
            [lo for _, lo, _ in ranges],
            [hi for _, _, hi in ranges],
            color="#a5d6a7",
            alpha=0.4,
            step="mid",
            label="целевой диапазон",
        )
    missing = [x for x, v in zip(xs, values, strict=True) if v is None]
    for x in missing:
        ax.axvline(x, color="#cfd8dc", linestyle=":", linewidth=1)
        ax.text(x, 0.02, "нет данных", transform=ax.get_xaxis_transform(), ha="center", fontsize=7, color="#78909c")
    ax.set_xticks(xs, [p.label for p in points], rotation=30 if len(points) > 6 else 0)
    ax.set_title(_title(title))
    ax.set_ylabel(unit)
    ax.grid(axis="y", alpha=0.3)
    if not shown:
        ax.text(0.5, 0.5, "нет данных", transform=ax.transAxes, ha="center", va="center", color="#78909c")
    if shown or targets or ranges:
        ax.legend(loc="best", fontsize=8)
    return _save(fig, fmt)


def _render_league(title: str, unit: str, rows: Sequence[LeagueRow], fmt: ChartFormat) -> bytes:
    fig = _figure(max(HEIGHT_IN, 0.35 * len(rows) + 1.5))
    ax = fig.subplots()
    ys = list(range(len(rows)))[::-1]
    values = [_f(r.value) or 0.0 for r in rows]
    colours = [STATUS_COLOURS.get(r.status, STATUS_COLOURS["no_data"]) for r in rows]
    ax.barh(ys, values, color=colours)
    for y, row, v in zip(ys, rows, values, strict=True):
        text = "нет данных" if row.value is None else f"{v:g}"
        ax.text(v, y, f" {text}", va="center", fontsize=8)
    ax.set_yticks(ys, [r.label for r in rows], fontsize=8)
    ax.set_xlabel(unit)
    ax.set_title(_title(title))
    ax.grid(axis="x", alpha=0.3)
    from matplotlib.patches import Patch

    present = [s for s in STATUS_COLOURS if any(r.status == s for r in rows)]
    if present:
        handles = [Patch(color=STATUS_COLOURS[s], label=STATUS_LABELS_RU[s]) for s in present]
        ax.legend(handles=handles, loc="lower right", fontsize=8)
    return _save(fig, fmt)


def _render_intervals(title: str, rows: Sequence[IntervalRow], fmt: ChartFormat) -> bytes:
    fig = _figure(max(HEIGHT_IN, 0.35 * len(rows) + 1.5))
    left, right = fig.subplots(1, 2, sharey=True)
    ys = list(range(len(rows)))[::-1]
    for ax, name, field, colour in (
        (left, "Удовлетворённость, %", "satisfaction", "#1565c0"),
        (right, "NPS", "nps", "#6a1b9a"),
    ):
        for y, row in zip(ys, rows, strict=True):
            value = _f(getattr(row, field))
            if value is None:
                ax.text(
                    0.02, y, "нет ответов", va="center", fontsize=8, color="#78909c", transform=ax.get_yaxis_transform()
                )
                continue
            ci: Sequence[Number] | None = getattr(row, f"{field}_ci95")
            if ci is not None and len(ci) == 2 and ci[0] is not None and ci[1] is not None:
                lo, hi = float(ci[0]), float(ci[1])
                ax.errorbar(value, y, xerr=[[value - lo], [hi - value]], fmt="none", ecolor=colour, capsize=3)
            ax.plot(
                value,
                y,
                marker="o" if row.sample_ok else "s",
                markerfacecolor=colour if row.sample_ok else "white",
                color=colour,
            )
        ax.set_title(name, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    right.axvline(0, color="#b0bec5", linewidth=0.8)
    # Fixed scales (a share is 0–100, an NPS −100…100) so that charts of different units compare.
    left.set_xlim(0, 100)
    right.set_xlim(-100, 100)
    left.set_ylim(-0.7, len(rows) - 0.3)
    labels = [r.label if r.sample_ok else f"{r.label} (n={r.n}, малая выборка)" for r in rows]
    left.set_yticks(ys, labels, fontsize=8)
    fig.suptitle(_title(title))
    return _save(fig, fmt)


async def render_trend(title: str, unit: str, points: Sequence[TrendPoint], fmt: ChartFormat) -> bytes:
    """An indicator's values over periods against its target line and target range."""
    return await to_thread.run_sync(_render_trend, title, unit, points, fmt)


async def render_league(title: str, unit: str, rows: Sequence[LeagueRow], fmt: ChartFormat) -> bytes:
    """Org units ranked as given (the caller sorts), bars coloured by status vs target."""
    return await to_thread.run_sync(_render_league, title, unit, rows, fmt)


async def render_intervals(title: str, rows: Sequence[IntervalRow], fmt: ChartFormat) -> bytes:
    """Satisfaction and NPS per org unit with 95 % intervals; hollow marks where the sample is too small."""
    return await to_thread.run_sync(_render_intervals, title, rows, fmt)


def image_response(request: Request, content: bytes, fmt: ChartFormat) -> Response:
    """The image with a strong ETag of its bytes; ``304`` when the client already holds it."""
    tag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    # The header dicts are written out where the responses are built: zdrav_shared.routes reads them
    # there to declare the ETag in the OpenAPI document of every endpoint answering through this.
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and tag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": CACHE_CONTROL})
    return Response(content, media_type=MEDIA_TYPES[fmt.value], headers={"ETag": tag, "Cache-Control": CACHE_CONTROL})
